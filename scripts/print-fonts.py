#!/usr/bin/python3
"""Builds taxbrief's print faces (npm run setup; Debian's python3-fonttools).

usage: print-fonts.py OUT_DIR

Chromium's PDF backend (Skia) writes a CFF-outline face such as Noto CJK as Type 3 fonts: every glyph traced as a
path, in every document, which was half of the print time of a brief. A TrueType-outline face is embedded as a
CID TrueType subset instead. This script writes TrueType builds of the brief faces, cut to the characters briefs
print (GB 2312's hanzi and symbols, ASCII, Latin-1, punctuation, arrows and maths, box drawing and shapes, CJK symbols,
full-width forms: every character of the templates, seeds, report definitions and narrative code), under family
names of their own:

  Taxbrief Song  <- Noto Serif CJK SC (Regular, Bold)
  Taxbrief Hei   <- Noto Sans CJK SC (Regular, Bold)
  Taxbrief Kai   <- AR PL UKai CN

The templates name them first and the Noto/UKai faces after, so a character outside the cut prints from the full
face (slower, same design) and the font preflight keeps checking the full faces. Licences: Noto CJK under the SIL
Open Font License 1.1, AR PL UKai under the Arphic Public License; both allow modified copies, which keep their
copyright and licence records (name IDs 0, 13, 14) and carry new names.
"""
import os
import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

NOTO = '/usr/share/fonts/opentype/noto'
FACES = [
    # (collection, face's family in it, new family, style, file)
    (f'{NOTO}/NotoSerifCJK-Regular.ttc', 'Noto Serif CJK SC', 'Taxbrief Song', 'Regular', 'TaxbriefSong-Regular.ttf'),
    (f'{NOTO}/NotoSerifCJK-Bold.ttc', 'Noto Serif CJK SC', 'Taxbrief Song', 'Bold', 'TaxbriefSong-Bold.ttf'),
    (f'{NOTO}/NotoSansCJK-Regular.ttc', 'Noto Sans CJK SC', 'Taxbrief Hei', 'Regular', 'TaxbriefHei-Regular.ttf'),
    (f'{NOTO}/NotoSansCJK-Bold.ttc', 'Noto Sans CJK SC', 'Taxbrief Hei', 'Bold', 'TaxbriefHei-Bold.ttf'),
    ('/usr/share/fonts/truetype/arphic/ukai.ttc', 'AR PL UKai CN', 'Taxbrief Kai', 'Regular', 'TaxbriefKai-Regular.ttf'),
]


def characters():
    chars = set()
    for lo, hi in [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x25FF),
                   (0x3000, 0x303F), (0xFF00, 0xFFEF)]:
        chars.update(range(lo, hi + 1))
    for b1 in range(0xA1, 0xF8):  # GB 2312: its 6,763 hanzi and 682 symbols
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([b1, b2]).decode('gb2312')))
            except UnicodeDecodeError:
                pass
    return chars


def face_index(path, family):
    for i, font in enumerate(TTCollection(path).fonts):
        if font['name'].getDebugName(1) == family:
            return i
    raise SystemExit(f'print-fonts: {path} holds no face "{family}"; reinstall fonts-noto-cjk / fonts-arphic-ukai.')


def to_truetype(font):
    """CFF outlines to quadratic glyf outlines (as fontTools' otf2ttf snippet), hinting dropped."""
    glyph_set = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font['loca'] = newTable('loca')
    font['glyf'] = glyf = newTable('glyf')
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ('CFF ', 'VORG'):
        if tag in font:
            del font[tag]
    font['maxp'] = maxp = newTable('maxp')
    maxp.tableVersion = 0x00010000
    for field in ('maxZones', 'maxTwilightPoints', 'maxStorage', 'maxFunctionDefs', 'maxInstructionDefs',
                  'maxStackElements', 'maxSizeOfInstructions', 'maxComponentElements'):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font['head'].glyphDataFormat = 0
    font['post'].formatType = 3.0
    font.sfntVersion = '\0\1\0\0'


def rename(font, family, style):
    names = font['name']
    names.names = [n for n in names.names if n.nameID not in (1, 2, 3, 4, 6, 16, 17, 21, 22)]
    postscript = f'{family.replace(" ", "")}-{style}'
    for name_id, text in [(1, family), (2, style), (3, f'{postscript};taxbrief'), (4, f'{family} {style}'), (6, postscript)]:
        names.setName(text, name_id, 3, 1, 0x409)
        names.setName(text, name_id, 1, 0, 0)


def main():
    if len(sys.argv) != 2:
        raise SystemExit('usage: print-fonts.py OUT_DIR')
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    chars = characters()
    for path, family, new_family, style, file in FACES:
        font = TTFont(path, fontNumber=face_index(path, family))
        options = subset.Options()
        # fontTools' default features (kern, liga, locl, vert, ...), which Chromium applies; not every alternate form
        options.name_IDs = ['*']
        options.name_languages = ['*']
        options.notdef_outline = True
        options.hinting = False
        options.drop_tables += ['FFTM']
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=chars)
        subsetter.subset(font)
        if 'CFF ' in font:
            to_truetype(font)
        rename(font, new_family, style)
        font.save(os.path.join(out, f'.{file}.part'))
        os.replace(os.path.join(out, f'.{file}.part'), os.path.join(out, file))
        print(f'print-fonts: {file} ({len(font.getGlyphOrder())} glyphs)', flush=True)


main()
