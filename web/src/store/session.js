// Who is logged in: GET /api/v1/me once at start, after login, cleared on logout or any 401.
import { reactive, readonly } from 'vue'
import { api } from '../api/index.js'
import { onUnauthorized } from '../api/client.js'

const state = reactive({ user: null, loaded: false, loading: null })

// The session cookie is HttpOnly, so the page cannot see it. This hint remembers that a login
// happened in this browser, so that anonymous visitors do not call /me just to get a 401 (which
// the browser would log as an error on every page).
const HINT = 'wangban.session'
function setHint(on) {
  try {
    if (on) globalThis.localStorage?.setItem(HINT, '1')
    else globalThis.localStorage?.removeItem(HINT)
  } catch {
    /* storage may be disabled: then /me is always asked */
  }
}
function hasHint() {
  try {
    const storage = globalThis.localStorage
    return !storage || storage.getItem(HINT) === '1'
  } catch {
    return true
  }
}

onUnauthorized(() => {
  state.user = null
  setHint(false)
})

export const session = readonly(state)

export async function loadMe({ force = false } = {}) {
  if (state.loaded && !force) return state.user
  if (state.loading && !force) return state.loading
  if (!hasHint()) {
    state.user = null
    state.loaded = true
    return null
  }
  state.loading = api
    .me()
    .then((me) => {
      state.user = me
      setHint(true)
      return me
    })
    .catch(() => {
      state.user = null
      setHint(false)
      return null
    })
    .finally(() => {
      state.loaded = true
      state.loading = null
    })
  return state.loading
}

export async function login(account, password) {
  const result = await api.login(account, password)
  state.user = result.user
  state.loaded = true
  setHint(true)
  // /me adds masked details (phone, id number); the session answer is enough to go on.
  loadMe({ force: true })
  return result.user
}

export async function logout() {
  try {
    await api.logout()
  } finally {
    state.user = null
    state.loaded = true
    setHint(false)
  }
}

export const isApplicant = (user) => !!user && (user.kind === 'person' || user.kind === 'company')
export const isStaff = (user) => !!user && user.kind === 'staff'
export const hasRole = (user, ...roles) => !!user && Array.isArray(user.roles) && roles.some((r) => user.roles.includes(r))
