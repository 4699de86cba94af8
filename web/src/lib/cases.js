// Reading a case (GET /api/v1/cases/{id}) defensively: the cases API is young, so these helpers
// accept the shapes API.md allows and normalize them for the views.

// case.materials as {code: {kind, file_id, license_id, commitment, name, size, media_type}}.
// Accepts an array of {material_code|code, ...} or an object keyed by material code.
export function caseMaterials(c) {
  const out = {}
  const raw = c?.materials
  const entries = Array.isArray(raw)
    ? raw.map((m) => [m.material_code || m.code, m])
    : raw && typeof raw === 'object'
      ? Object.entries(raw)
      : []
  for (const [code, m] of entries) {
    if (!code || !m) continue
    const kind = m.kind || (m.file_id || m.file ? 'file' : m.license_id ? 'license' : m.commitment ? 'commitment' : null)
    out[code] = {
      kind,
      file_id: m.file_id || m.file?.id || null,
      license_id: m.license_id || null,
      commitment: !!m.commitment,
      name: m.file_name || m.name || m.file?.name || '',
      size: m.size ?? m.file?.size,
      media_type: m.media_type || m.file?.media_type || '',
    }
  }
  return out
}

// The required materials of an item that the case does not satisfy yet (codes).
export function missingMaterials(item, materials) {
  return (item?.materials || []).filter((m) => m.required && !(materials[m.code] && materials[m.code].kind)).map((m) => m.code)
}

// The timeline as [{at, kind, actor, note, outcome, missing}] oldest first. The server writes
// {seq, at, type, status, actor: {name, role}, note, data: {outcome, missing, material_code}}.
export function caseTimeline(c) {
  const list = Array.isArray(c?.timeline) ? c.timeline : []
  return list
    .map((e, i) => {
      const data = e.data && typeof e.data === 'object' ? e.data : {}
      const actor = e.actor && typeof e.actor === 'object' ? e.actor : null
      return {
        seq: e.seq ?? i,
        at: e.at || e.time || e.created_at || '',
        kind: e.type || e.kind || e.event || e.action || '',
        actor: e.actor_name || actor?.name || (typeof e.actor === 'string' ? e.actor : ''),
        note: e.opinion || e.note || data.opinion || e.message || e.reason || '',
        outcome: e.outcome || data.outcome || '',
        status: e.status || '',
        materialCode: data.material_code || '',
        missing: Array.isArray(e.missing) ? e.missing : Array.isArray(data.missing) ? data.missing : [],
      }
    })
    .sort((a, b) => String(a.at).localeCompare(String(b.at)) || a.seq - b.seq)
}

// A task of GET /api/v1/tasks ({id, name, state, outcomes, assignee, case: {...}}) flattened
// for the workbench table.
export function normalizeTask(t) {
  const c = t.case && typeof t.case === 'object' ? t.case : {}
  return {
    ...t,
    case_id: t.case_id ?? c.id,
    case_number: t.case_number ?? c.number,
    item_code: t.item_code ?? c.item_code,
    item_name: t.item_name ?? c.item_name,
    applicant_name: t.applicant_name ?? c.applicant_name,
    case_status: t.case_status ?? c.status,
    due_date: t.due_date ?? c.due_date,
    clock: t.clock ?? c.clock,
  }
}

// The latest supplement request (一次性告知): {opinion, missing: [{material_code, reason}], at}
// or null. Looks at case.supplement / case.supplement_request, else the timeline.
export function supplementNotice(c) {
  if (!c) return null
  const direct = c.supplement_request || c.supplement || c.supplement_notice
  if (direct && (direct.missing || direct.opinion)) {
    return { opinion: direct.opinion || direct.note || '', missing: direct.missing || [], at: direct.at || direct.requested_at || '' }
  }
  const events = caseTimeline(c).filter((e) => e.outcome === 'request_supplement' || e.kind === 'request_supplement' || e.kind === 'supplement_requested')
  const last = events[events.length - 1]
  if (!last) return c.status === 'supplement_requested' ? { opinion: '', missing: [], at: '' } : null
  return { opinion: last.note, missing: last.missing, at: last.at }
}

export const formatTime = (s) => (s ? String(s).replace('T', ' ').replace(/(\.\d+)?([+-]\d{2}:\d{2}|Z)$/, '').slice(0, 16) : '')

export function formatBytes(n) {
  if (typeof n !== 'number') return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
