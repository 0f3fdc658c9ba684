/**
 * The one DOM helper the demo needs: build an element with attributes, listeners and children.
 * Plain DOM keeps the demo free of a UI framework (see README "The demo").
 */
type Attr = string | number | boolean | undefined | null;
type Listener = (event: Event) => void;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr | Listener> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value != null) element.setAttribute(name, String(value));
  }
  element.append(...children.flat().filter((c): c is Node | string => c != null && c !== false));
  return element;
}

/** Replace an element's children. */
export function fill(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren(...children.flat().filter((c): c is Node | string => c != null && c !== false));
}

/** A unique id for label/for and aria pairs. */
let nextId = 0;
export function uid(prefix: string): string {
  return `${prefix}-${++nextId}`;
}
