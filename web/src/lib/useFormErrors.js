// Live field errors for a hand-written form: client checks shown once a field is left (or after
// a submit attempt), server field errors shown until the field is edited.
import { computed, reactive, ref } from 'vue'
import { fieldErrorMessage, mapFieldErrors } from './problem.js'

// validate: () => [{field, code, params?}] for the current values; known: the rendered paths.
export function useFormErrors(i18n, validate, known) {
  const touched = reactive(new Set())
  const server = reactive({})
  const showAll = ref(false)
  const client = computed(() => {
    const out = {}
    for (const e of validate()) if (!(e.field in out)) out[e.field] = fieldErrorMessage(i18n, e)
    return out
  })
  return {
    errorFor(path) {
      if (server[path]) return server[path]
      return touched.has(path) || showAll.value ? client.value[path] || '' : ''
    },
    touch(path) {
      touched.add(path)
    },
    changed(path) {
      delete server[path]
    },
    // Marks every field as touched; true when the client sees no error.
    check() {
      showAll.value = true
      return Object.keys(client.value).length === 0
    },
    // Puts an ApiError's field errors beside their fields; returns the lines for the others.
    setServer(error) {
      for (const k of Object.keys(server)) delete server[k]
      const { fields, other } = mapFieldErrors(error?.errors || [], { known })
      for (const [path, e] of Object.entries(fields)) server[path] = fieldErrorMessage(i18n, e)
      return other.map((e) => (e.field ? `${e.field}: ` : '') + fieldErrorMessage(i18n, e))
    },
    clearServer() {
      for (const k of Object.keys(server)) delete server[k]
    },
  }
}
