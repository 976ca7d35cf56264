export type SharedName = 'mdad' | 'spec';
export declare const SHARED_DIR: string;
export declare const REFERENCES: Record<
  SharedName,
  { folder: string; env?: string; files: string[]; what: string }
>;
export declare function locateShared(name: SharedName): { dir?: string; reason?: string };
export declare function sharedSkip(...names: SharedName[]): string | undefined;
export declare function unpackShared(name: SharedName): string;
export declare function onceInRun(key: string, fill: (base: string) => void): string;
