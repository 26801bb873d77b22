import type { PanelHost } from '../panel';
import type { ChangeLens } from '../compare';

/** What the language features need of the server: its analysis, line indexes and URIs as the client spells them. */
export interface FeatureHost extends PanelHost {
  /** The URI the client uses for a file (an open editor's), or the file's own. */
  clientUri(uri: string): string;
  /** The engine's URI for a URI the client sent. */
  engineUri(uri: string): string;
  /** What a file's change alone opens and closes against HEAD (none: unchanged, no effect, or no repository). */
  changeLens?(uri: string): Promise<ChangeLens | undefined>;
}
