// jsdom lacks a few browser APIs Element Plus touches.
globalThis.ResizeObserver ||= class {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (!window.matchMedia) {
  window.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} })
}
window.scrollTo ||= () => {}
// jsdom does no layout: computed widths are "", which Element Plus's label-width="auto" reports
// as an error. Give elements a nominal width.
const realGetComputedStyle = window.getComputedStyle.bind(window)
window.getComputedStyle = (el, pseudo) => {
  const style = realGetComputedStyle(el, pseudo)
  if (style.width && style.width !== 'auto') return style
  return new Proxy(style, { get: (target, prop) => (prop === 'width' ? '100px' : Reflect.get(target, prop)) })
}
