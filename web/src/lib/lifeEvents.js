// Browsing by life event (人生事件) and by a company's life cycle (企业生命周期). The catalog has no
// such field, so the front end keeps this small mapping: each event is a list of search queries
// (names or keywords of items in the catalog, at least 3 characters so that a trigram index can
// match them); the event page runs them all against GET /api/v1/items?q= and shows the union.
// Queries, not item codes: they keep working when an item is re-coded or a district adds its own
// implementation. Names are i18n keys (lifeEvent.<key>); icons name @element-plus/icons-vue components.
export const LIFE_EVENTS = [
  { key: 'birth', audience: 'person', icon: 'Sunrise', queries: ['出生登记', '生育登记', '生育津贴', '社会保障卡申领', '城乡居民基本医疗保险'] },
  { key: 'school', audience: 'person', icon: 'School', queries: ['小学一年级', '学生转学', '居住证申领'] },
  { key: 'work', audience: 'person', icon: 'Briefcase', queries: ['应届毕业生', '就业创业证', '职业资格证书', '灵活就业', '失业保险金', '技能提升补贴'] },
  { key: 'marriage', audience: 'person', icon: 'Present', queries: ['结婚登记', '婚姻登记档案', '户口迁移'] },
  { key: 'housing', audience: 'person', icon: 'House', queries: ['公共租赁住房', '不动产转移登记', '商品房买卖合同', '不动产抵押登记', '不动产登记资料'] },
  { key: 'travel', audience: 'person', icon: 'Ticket', queries: ['普通护照', '往来港澳', '往来台湾', '机动车驾驶证', '小汽车增量指标', '机动车注册登记'] },
  { key: 'retirement', audience: 'person', icon: 'Sunset', queries: ['基本养老保险待遇', '养老保险关系转移', '高龄老人长寿补贴', '异地就医备案'] },
  { key: 'startBusiness', audience: 'company', icon: 'OfficeBuilding', queries: ['企业设立登记', '个体工商户设立', '公章刻制', '新办纳税人', '用人单位社会保险登记', '发票领用'] },
  { key: 'construction', audience: 'company', icon: 'Tools', queries: ['建设项目用地预审', '建设用地规划许可', '建设工程规划许可', '多评合一', '施工图联合审查', '建筑工程施工许可', '竣工联合验收'] },
  { key: 'operate', audience: 'company', icon: 'Shop', queries: ['食品经营许可', '公共场所卫生许可', '特种设备使用登记', '户外广告设施', '娱乐场所经营许可'] },
  { key: 'close', audience: 'company', icon: 'SwitchButton', queries: ['企业注销登记', '税务注销'] },
]

export function lifeEvent(key) {
  return LIFE_EVENTS.find((e) => e.key === key) || null
}

// Merges the answers of several searches: first appearance wins, order kept.
export function mergeResults(lists) {
  const seen = new Set()
  const out = []
  for (const list of lists) {
    for (const item of list || []) {
      if (seen.has(item.code)) continue
      seen.add(item.code)
      out.push(item)
    }
  }
  return out
}
