// Every route of the public API the SPA uses (API.md), one function each.
import { get, post, put, patch, del, request, uploadFile } from './client.js'

const enc = encodeURIComponent
const V1 = '/api/v1'

export const api = {
  // identity
  registerPerson: (body) => post(`${V1}/persons`, body),
  registerCompany: (body) => post(`${V1}/companies`, body),
  login: (account, password) => post(`${V1}/sessions`, { account, password }),
  logout: () => del(`${V1}/sessions/current`),
  me: () => get(`${V1}/me`),
  listStaff: (params) => get(`${V1}/staff`, params),
  createStaff: (body) => post(`${V1}/staff`, body),

  // catalog
  searchItems: (params) => get(`${V1}/items`, params),
  item: (code, { draft = false } = {}) => get(`${V1}/items/${enc(code)}`, draft ? { draft: 'true' } : undefined),
  createItem: (doc) => post(`${V1}/items`, doc),
  saveItem: (code, doc) => put(`${V1}/items/${enc(code)}`, doc),
  publishItem: (code, batch) => post(`${V1}/items/${enc(code)}/publish`, batch ? { batch } : {}),
  itemVersions: (code) => get(`${V1}/items/${enc(code)}/versions`),
  departments: () => get(`${V1}/departments`),
  regions: () => get(`${V1}/regions`),
  figures: () => get(`${V1}/catalog/figures`),
  exportItemsUrl: (format) => `${V1}/items/export?format=${enc(format)}`,
  importItems: (file) =>
    request('POST', `${V1}/items/import`, {
      body: file,
      raw: true,
      headers: { 'Content-Type': file.type || (file.name && file.name.endsWith('.csv') ? 'text/csv' : 'application/octet-stream') },
    }),

  // cases
  upload: (file, onProgress) => uploadFile(file, { onProgress }),
  fileUrl: (id) => `${V1}/files/${enc(id)}`,
  // The file behind a case's material, for its applicant and the staff who may see the case.
  materialUrl: (caseId, code) => `${V1}/cases/${enc(caseId)}/materials/${enc(code)}/file`,
  createCase: (item_code, form) => post(`${V1}/cases`, { item_code, form }),
  saveCase: (id, form) => patch(`${V1}/cases/${enc(id)}`, { form }),
  putMaterial: (id, materialCode, body) => put(`${V1}/cases/${enc(id)}/materials/${enc(materialCode)}`, body),
  submitCase: (id) => post(`${V1}/cases/${enc(id)}/submit`, { commitment_signed: true }),
  resubmitCase: (id) => post(`${V1}/cases/${enc(id)}/resubmit`, { commitment_signed: true }),
  withdrawCase: (id) => post(`${V1}/cases/${enc(id)}/withdraw`, {}),
  cases: (params) => get(`${V1}/cases`, params),
  // The case with this number, if the caller may see it: a page of zero or one case.
  caseByNumber: (number) => get(`${V1}/cases`, { number }),
  getCase: (id) => get(`${V1}/cases/${enc(id)}`),

  // work
  tasks: (params) => get(`${V1}/tasks`, params),
  claimTask: (id) => post(`${V1}/tasks/${enc(id)}/claim`, {}),
  completeTask: (id, body) => post(`${V1}/tasks/${enc(id)}/complete`, body),

  // supervision
  auditVerify: () => get(`${V1}/audit/verify`),
  auditNumbers: (date) => get(`${V1}/audit/numbers`, { date }),
  // 秒批 decision records of a case evaluated again on their own inputs.
  replayDecision: (caseId) => get(`${V1}/cases/${enc(caseId)}/decision/replay`),

  // processes
  processXml: (key) => get(`${V1}/processes/${enc(key)}`, undefined, { as: 'text' }),
}
