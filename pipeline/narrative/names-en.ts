/**
 * English names for the reference data a brief prints (cities, areas, taxes, industries, policies,
 * sizes), for `--lang en`. A name without an entry prints as it is (in Chinese): never wrong, only untranslated.
 */
const NAMES: Record<string, string> = {
  广东省: 'Guangdong', 全省: 'the province',
  广州市: 'Guangzhou', 韶关市: 'Shaoguan', 深圳市: 'Shenzhen', 珠海市: 'Zhuhai', 汕头市: 'Shantou', 佛山市: 'Foshan',
  江门市: 'Jiangmen', 湛江市: 'Zhanjiang', 茂名市: 'Maoming', 肇庆市: 'Zhaoqing', 惠州市: 'Huizhou', 梅州市: 'Meizhou',
  汕尾市: 'Shanwei', 河源市: 'Heyuan', 阳江市: 'Yangjiang', 清远市: 'Qingyuan', 东莞市: 'Dongguan', 中山市: 'Zhongshan',
  潮州市: 'Chaozhou', 揭阳市: 'Jieyang', 云浮市: 'Yunfu',
  珠三角: 'Pearl River Delta', 粤东: 'East Guangdong', 粤西: 'West Guangdong', 粤北: 'North Guangdong',
  国内增值税: 'Domestic VAT', 增值税: 'VAT', 国内消费税: 'Domestic consumption tax', 消费税: 'Consumption tax',
  企业所得税: 'Corporate income tax', 个人所得税: 'Individual income tax', 资源税: 'Resource tax',
  城市维护建设税: 'Urban maintenance and construction tax', 城建税: 'Urban construction tax', 房产税: 'Property tax',
  印花税: 'Stamp duty', 城镇土地使用税: 'Urban land use tax', 土地使用税: 'Land use tax', 土地增值税: 'Land appreciation tax',
  土增税: 'Land appreciation tax', 车船税: 'Vehicle and vessel tax', 车辆购置税: 'Vehicle purchase tax', 车购税: 'Vehicle purchase tax',
  耕地占用税: 'Farmland occupation tax', 耕占税: 'Farmland occupation tax', 契税: 'Deed tax', 烟叶税: 'Tobacco leaf tax',
  环境保护税: 'Environmental protection tax', 环保税: 'Environmental protection tax', 合计: 'Total', 其他行业: 'Other industries', 其他: 'Other', 其他税种: 'Other taxes',
  '农、林、牧、渔业': 'Agriculture, forestry and fishing', 采矿业: 'Mining', 制造业: 'Manufacturing',
  '电力、热力、燃气及水生产和供应业': 'Utilities', 建筑业: 'Construction', 批发和零售业: 'Wholesale and retail',
  '交通运输、仓储和邮政业': 'Transport and logistics', 住宿和餐饮业: 'Hotels and catering',
  '信息传输、软件和信息技术服务业': 'Information services', 信息服务业: 'Information services', 金融业: 'Finance', 房地产业: 'Real estate',
  租赁和商务服务业: 'Leasing and business services', 科学研究和技术服务业: 'Research and technical services',
  '水利、环境和公共设施管理业': 'Water, environment and public facilities', '居民服务、修理和其他服务业': 'Household and repair services',
  教育: 'Education', 卫生和社会工作: 'Health and social work', '文化、体育和娱乐业': 'Culture, sports and entertainment',
  '公共管理、社会保障和社会组织': 'Public administration', 国际组织: 'International organisations',
  // the sections' 简称 (seeds/industries.csv short_name), as charts label them
  农林牧渔: 'Agriculture', 水电燃气: 'Utilities', 批发零售: 'Wholesale and retail', 交通运输: 'Transport and logistics', 住宿餐饮: 'Hotels and catering',
  信息服务: 'Information services', 租赁商务: 'Leasing and business services', 科技服务: 'Research and technical services', 公共设施: 'Public facilities',
  居民服务: 'Household services', 卫生社工: 'Health and social work', 文体娱乐: 'Culture and entertainment', 公共管理: 'Public administration',
  增值税小规模纳税人减免增值税: 'VAT relief for small-scale taxpayers', 小型微利企业减免企业所得税: 'CIT relief for small low-profit firms',
  研发费用税前加计扣除: 'R&D super-deduction', 增值税期末留抵退税: 'VAT credit refunds',
  制造业中小微企业延缓缴纳部分税费: 'Deferral for small manufacturers', '小微企业“六税两费”减免': '"Six taxes, two fees" relief for small firms',
  个人所得税专项附加扣除: 'IIT special additional deductions', 阶段性降低失业保险费率: 'Lower unemployment insurance rate',
  先进制造业企业增值税加计抵减: 'VAT super-credit for advanced manufacturers', 重点群体创业就业税费扣减: 'Relief for key groups starting businesses',
  集成电路和工业母机企业增值税加计抵减: 'VAT super-credit for chips and machine tools', 残疾人就业保障金减免: 'Disability employment levy relief',
  大型企业: 'Large firms', 中型企业: 'Medium firms', 小型企业: 'Small firms', 微型企业: 'Micro firms', 个体工商户: 'Sole proprietors', 自然人: 'Individuals',
  新增减税: 'Tax cuts', 新增降费: 'Fee cuts', 留抵退税: 'VAT credit refunds', 缓税缓费: 'Deferrals',
};

/** The English name of a reference-data name, or the name itself when there is none. */
export function englishName(name: string): string {
  return NAMES[name] ?? name;
}
