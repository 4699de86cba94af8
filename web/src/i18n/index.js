// vue-i18n set-up: zh-CN first, English second; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN.js'
import en from './en.js'

export const LOCALES = ['zh-CN', 'en']
const STORAGE_KEY = 'wangban.locale'

function initialLocale() {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
    if (LOCALES.includes(saved)) return saved
  } catch {
    /* storage may be disabled */
  }
  return 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale) {
  if (!LOCALES.includes(locale)) return
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  } catch {
    /* ignore */
  }
}
