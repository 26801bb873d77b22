export { layout, plainFiles, detectViews, declaredViews, relativeTo, PLAIN_VIEW, type ViewSpec, type HelmRelease, type WorkspaceLayout } from './detect';
export type { ClusterDeclaration } from '../config';
export { kustomizeTracer, helmTracer, pathAt, type Tracer, type Located } from './trace';
export { analyzeView, mergeViewFindings, renderedUri, isRenderedUri, type ViewAnalysis, type ViewInput, type RenderedText } from './analyze-views';
export { reportOf, viewsReport, type Report } from './report';
export { viewHoverAt, viewDefinitionAt, viewLensesOf, viewReferencesAt, viewDocumentSymbols, viewCompletionsAt } from './lang';
export { viewResourceFiles, type ResourceFile } from './fixes';
export { chooseViewFixes, viewFixAll, type ChosenFix } from './fix-all';
export { namespaceFiles, type NamespaceFiles } from './namespaces';
