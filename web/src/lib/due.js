// The colour of a deadline (GLOSSARY: 预警 yellow, 超期 red). The server's case clock is the
// authority: when a task or case carries clock.state ("normal" | "yellow" | "red" | "suspended")
// it is used as is. Otherwise the colour is derived from what is there:
//  - share_used (working days used / limit): red above 1, yellow from the warning share (0.8,
//    the server's WarningPolicy default);
//  - only a due date: red from the day after it; yellow when at most `warnDays` calendar days
//    remain (default 2; the browser has no holiday calendar, so this is an approximation).
export const YELLOW_SHARE = 0.8

const DAY = 24 * 3600 * 1000

function dateOnly(value) {
  if (!value) return null
  if (value instanceof Date) return Date.UTC(value.getFullYear(), value.getMonth(), value.getDate())
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value))
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null
}

// The date today in China (UTC+8), whatever the browser's zone: deadlines are Beijing dates.
export function chinaToday(now = new Date()) {
  const t = new Date(now.getTime() + 8 * 3600 * 1000)
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`
}

// → "green" | "yellow" | "red" | "suspended" | "none" (no deadline yet, e.g. a draft).
export function dueColour(subject, { today = chinaToday(), warnDays = 2, yellowShare = YELLOW_SHARE } = {}) {
  if (!subject) return 'none'
  const clock = subject.clock || {}
  const state = clock.state || subject.clock_state
  if (state === 'red') return 'red'
  if (state === 'yellow') return 'yellow'
  if (state === 'suspended') return 'suspended'
  if (state === 'concluded') return 'none' // decided or withdrawn: no deadline runs
  if (state === 'normal') return 'green'
  const share = clock.share_used ?? subject.share_used
  if (typeof share === 'number') {
    if (share > 1) return 'red'
    if (share >= yellowShare) return 'yellow'
    return 'green'
  }
  const due = dateOnly(subject.due_date || clock.due || subject.due)
  if (due === null) return 'none'
  const now = dateOnly(today)
  if (now > due) return 'red'
  if ((due - now) / DAY <= warnDays) return 'yellow'
  return 'green'
}

// Calendar days from today to the due date (negative when overdue), or null.
export function daysLeft(dueDate, today = chinaToday()) {
  const due = dateOnly(dueDate), now = dateOnly(today)
  if (due === null || now === null) return null
  return Math.round((due - now) / DAY)
}
