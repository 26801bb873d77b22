import type { ParsedFile } from '../../engine/parse/parse';
import type { ViewAnalysis } from '../../engine/views';
import type { PanelHost } from '../panel';
import type { ChangeLens } from '../compare';

/** What the language features need of the server: its analysis, line indexes and URIs as the client spells them. */
export interface FeatureHost extends PanelHost {
  /** The URI the client uses for a file (an open editor's), or the file's own. */
  clientUri(uri: string): string;
  /** The engine's URI for a URI the client sent. */
  engineUri(uri: string): string;
  /** The cluster view the features answer from for a file (when the workspace has views): its render is what `current` analyses. */
  view(uri: string): ViewAnalysis | undefined;
  /** A workspace file as parsed (an open editor's text, else the disk's). */
  fileOf(uri: string): ParsedFile | undefined;
  /** What a file's change alone opens and closes against HEAD (none: unchanged, no effect, or no repository). */
  changeLens?(uri: string): Promise<ChangeLens | undefined>;
}
