// Where to go after logging in.

// Only same-site paths: "/apply/x" yes, "//evil.example" and "https://..." no.
export function safeRedirect(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null
  return value
}

export function homeFor(user) {
  if (!user) return '/'
  if (user.kind !== 'staff') return '/'
  const roles = user.roles || []
  if (roles.includes('window') || roles.includes('approver') || roles.includes('supervisor')) return '/work/tasks'
  if (roles.includes('catalog_admin')) return '/admin/items'
  if (roles.includes('admin')) return '/admin/staff'
  return '/'
}
