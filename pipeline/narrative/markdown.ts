/**
 * A tiny Markdown subset for analysts' notes (reports/<id>/notes/<period>.md): paragraphs, `-`/`*`
 * and `1.` lists, **strong** and *emphasis*. Everything else is text: the input is escaped first,
 * so a `<script>` in a note prints as the characters "<script>".
 */
export function markdownToHtml(markdown: string): string {
  const blocks = markdown.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return blocks.map(block).join('\n');
}

function block(text: string): string {
  const lines = text.split('\n');
  if (lines.every((l) => /^\s*[-*]\s+/.test(l))) return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ''))}</li>`).join('')}</ul>`;
  if (lines.every((l) => /^\s*\d+[.)]\s+/.test(l))) return `<ol>${lines.map((l) => `<li>${inline(l.replace(/^\s*\d+[.)]\s+/, ''))}</li>`).join('')}</ol>`;
  return `<p>${inline(lines.map((l) => l.trim()).join(' ').replace(/^#+\s*/, ''))}</p>`;
}

function inline(text: string): string {
  return escape(text)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*(?!\s)(.+?)\*/g, '$1<em>$2</em>');
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
