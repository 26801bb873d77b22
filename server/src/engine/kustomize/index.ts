export { renderKustomization, matchesSelector, type RenderedResource, type RenderResult, type RenderOptions } from './render';
export { KUSTOMIZATION_FILES, resolvePath, type RenderSources } from './sources';
export { pathKey, type Origin, type ValueOrigin, type TreePath } from './tree';
export { nameHash } from './hash';
export { toYamlStream, toJsonArray } from './output';
