// Entry: i18n, router, the shell. Element Plus components come in per route (vite.config.js);
// the programmatic ones (ElMessage, ElMessageBox) bring their styles here.
import { createApp } from 'vue'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './styles.css'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './i18n/index.js'

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).mount('#app')
