// Routes, each lazy-loaded so the first page carries only the shell. meta.requires:
// 'applicant' (a person or company), 'staff', or a list of staff roles.
import { createRouter, createWebHistory } from 'vue-router'
import { loadMe, isApplicant, isStaff, hasRole } from './store/session.js'

export const routes = [
  { path: '/', name: 'home', component: () => import('./views/portal/Home.vue'), meta: { title: 'nav.home' } },
  { path: '/search', name: 'search', component: () => import('./views/portal/Search.vue'), meta: { title: 'nav.search' } },
  { path: '/events/:key', name: 'event', component: () => import('./views/portal/LifeEvent.vue'), meta: { title: 'home.byLifeEvent' } },
  { path: '/items/:code', name: 'guide', component: () => import('./views/portal/Guide.vue'), meta: { title: 'guide.title' } },
  { path: '/login', name: 'login', component: () => import('./views/auth/Login.vue'), meta: { title: 'nav.login' } },
  { path: '/register', name: 'register', component: () => import('./views/auth/Register.vue'), meta: { title: 'nav.register' } },
  { path: '/apply/:code', name: 'apply', component: () => import('./views/apply/Wizard.vue'), meta: { title: 'apply.title', requires: 'applicant' } },
  { path: '/my/cases', name: 'myCases', component: () => import('./views/cases/MyCases.vue'), meta: { title: 'nav.myCases', requires: 'applicant' } },
  { path: '/my/cases/:id', name: 'myCase', component: () => import('./views/cases/CaseDetail.vue'), meta: { title: 'case.title', requires: 'applicant' } },
  { path: '/my/cases/:id/edit', name: 'editCase', component: () => import('./views/apply/Wizard.vue'), meta: { title: 'apply.title', requires: 'applicant' } },
  { path: '/work/tasks', name: 'tasks', component: () => import('./views/staff/Tasks.vue'), meta: { title: 'nav.tasks', requires: ['window', 'approver', 'supervisor'] } },
  { path: '/work/cases/:id', name: 'workCase', component: () => import('./views/staff/WorkCase.vue'), meta: { title: 'case.title', requires: 'staff' } },
  { path: '/admin/items', name: 'adminItems', component: () => import('./views/admin/Items.vue'), meta: { title: 'nav.adminItems', requires: ['catalog_admin', 'admin'] } },
  { path: '/admin/items/new', name: 'newItem', component: () => import('./views/admin/ItemEdit.vue'), meta: { title: 'admin.newItem', requires: ['catalog_admin', 'admin'] } },
  { path: '/admin/items/:code', name: 'editItem', component: () => import('./views/admin/ItemEdit.vue'), meta: { title: 'admin.editItem', requires: ['catalog_admin', 'admin'] } },
  { path: '/admin/departments', name: 'departments', component: () => import('./views/admin/Departments.vue'), meta: { title: 'nav.departments', requires: ['catalog_admin', 'admin'] } },
  { path: '/admin/staff', name: 'staff', component: () => import('./views/admin/Staff.vue'), meta: { title: 'nav.staff', requires: ['admin'] } },
  { path: '/admin/processes/:key', name: 'process', component: () => import('./views/admin/Process.vue'), meta: { title: 'nav.process', requires: 'staff' } },
  { path: '/supervise', name: 'supervise', component: () => import('./views/staff/Supervise.vue'), meta: { title: 'nav.supervise', requires: ['supervisor', 'admin'] } },
  { path: '/forbidden', name: 'forbidden', component: () => import('./views/NotFound.vue'), props: { forbidden: true }, meta: { title: 'notFound.forbiddenTitle' } },
  { path: '/:pathMatch(.*)*', name: 'notFound', component: () => import('./views/NotFound.vue'), meta: { title: 'notFound.title' } },
]

// Whether `user` may open a route with this requirement.
export function allowed(requires, user) {
  if (!requires) return true
  if (!user) return false
  if (requires === 'applicant') return isApplicant(user)
  if (requires === 'staff') return isStaff(user)
  if (Array.isArray(requires)) return isStaff(user) && hasRole(user, ...requires)
  return false
}

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (to, from, saved) => saved || (to.hash ? { el: to.hash } : { top: 0 }),
})

router.beforeEach(async (to) => {
  const requires = to.meta.requires
  if (!requires) {
    loadMe()
    return true
  }
  const user = await loadMe()
  if (!user) return { name: 'login', query: { redirect: to.fullPath } }
  if (!allowed(requires, user)) return { name: 'forbidden' }
  return true
})
