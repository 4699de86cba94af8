// Code sets of the catalog (data/catalog/README.md); their names are i18n keys.
export const ITEM_TYPES = ['01', '05', '07', '08', '09', '10', '20']
export const LEVELS = [2, 3, 4]
export const AUDIENCES = ['person', 'company', 'organization']
export const HANDLING_FORMS = ['window', 'pc', 'mobile', 'courier']
export const PROCESS_KEYS = ['standard_approval', 'auto_approval', 'parallel_joint_review', 'supplement_loop']
export const CASE_STATUSES = [
  'draft', 'submitted', 'supplement_requested', 'accepted', 'in_review', 'suspended',
  'approved', 'denied', 'refused', 'withdrawn', 'concluded',
]
export const ROLES = ['window', 'approver', 'catalog_admin', 'supervisor', 'admin']
export const OUTCOMES = ['accept', 'refuse', 'request_supplement', 'approve', 'deny', 'agree', 'object', 'suspend', 'resume']
export const SUSPENSION_KINDS = ['hearing', 'inspection', 'expert_review', 'other']

// The Element Plus tag type for a case status.
export function statusTagType(status) {
  switch (status) {
    case 'approved':
    case 'concluded':
      return 'success'
    case 'denied':
    case 'refused':
      return 'danger'
    case 'supplement_requested':
    case 'suspended':
      return 'warning'
    case 'draft':
    case 'withdrawn':
      return 'info'
    default:
      return 'primary'
  }
}

// The outcomes a task offers. The server may list them (task.outcomes); otherwise they follow
// from the task's kind: the window pre-reviews (accept / refuse / request_supplement), an
// approver decides (approve / deny), a department in a parallel review agrees or objects;
// approvers may also suspend the clock for a special procedure, and resume a suspended one.
export function outcomesForTask(task) {
  if (!task) return []
  if (Array.isArray(task.outcomes) && task.outcomes.length) return task.outcomes
  const kind = String(task.kind || task.type || task.task_key || task.key || task.name || task.role || '').toLowerCase()
  const suspended = task.suspended || task.case_status === 'suspended' || task.clock?.state === 'suspended'
  if (suspended) return ['resume']
  if (/window|pre_?review|accept|受理/.test(kind)) return ['accept', 'refuse', 'request_supplement']
  if (/parallel|countersign|joint|会签|并联/.test(kind)) return ['agree', 'object', 'suspend']
  return ['approve', 'deny', 'suspend']
}
