// Building the pages' DOM: text goes in through properties (textContent), never as HTML, so
// nothing the API returns can run in the page.

export const $ = (id) => document.getElementById(id);

/** Creates an element: `props` are properties (textContent, className, dataset via data), then children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { data, ...rest } = props;
  Object.assign(node, rest);
  Object.assign(node.dataset, data ?? {});
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}
