export interface PlannedSymlink {
  /** Absolute path of the link to create. */
  readonly link: string;
  /** What the link points to: relative inside native/lib, absolute when placed elsewhere. */
  readonly pointsTo: string;
}

export interface SymlinkListEntry {
  readonly source: string;
  readonly target: string;
}

export function binariesPackageName(platform?: string, arch?: string): string;
export function findBinariesPackage(platform?: string, arch?: string): { name: string; dir: string | undefined };
export function planSymlinks(packageDir: string, entries: unknown, intoDir?: string): PlannedSymlink[];
export function readSymlinkPlan(packageDir: string, intoDir?: string): Promise<PlannedSymlink[]>;
export function createSymlinks(plan: readonly PlannedSymlink[]): Promise<number>;
export function hydrateSymlinks(packageDir?: string): Promise<void>;
export function linkLibrariesInto(packageDir: string, intoDir: string): Promise<void>;
