import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * ESM bundles of CommonJS dependencies (the AWS SDK among them) call `require`; ESM has none, so the
 * bundle starts by creating one. The alias avoids clashing with a bundled `createRequire` import.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __courierCreateRequire } from 'node:module'; const require = __courierCreateRequire(import.meta.url);";

/**
 * The esbuild settings of every courier function — the CDK's bundling of an app's handlers and the
 * package build of the toolkit's own prebuilt handlers alike (scripts/build.ts), so both run the same.
 * The Lambda runtime is Node.js 24, but the local engine runs bundles on the host's Node (≥ 20, see
 * package.json engines): emit syntax both understand.
 */
export const ESBUILD_SETTINGS = {
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
} as const;

/** The same settings for NodejsFunction: local esbuild (never Docker), the SDK bundled (what was tested is what runs). */
export const COURIER_BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  target: ESBUILD_SETTINGS.target,
  minify: ESBUILD_SETTINGS.minify,
  sourceMap: ESBUILD_SETTINGS.sourcemap,
  sourcesContent: ESBUILD_SETTINGS.sourcesContent,
  mainFields: [...ESBUILD_SETTINGS.mainFields],
  banner: ESBUILD_SETTINGS.banner,
  bundleAwsSDK: true,
  forceDockerBundling: false,
};

/** Bundling settings layered in order: later ones win, `inject` and `externalModules` lists add up. */
export function combineBundling(...layers: (nodejs.BundlingOptions | undefined)[]): nodejs.BundlingOptions {
  return layers.reduce<nodejs.BundlingOptions>((merged, layer) => {
    if (!layer) return merged;
    const list = (key: 'inject' | 'externalModules') => (merged[key] || layer[key] ? { [key]: [...(merged[key] ?? []), ...(layer[key] ?? [])] } : {});
    return { ...merged, ...layer, ...list('inject'), ...list('externalModules') };
  }, {});
}

/** Courier's settings with the given layers over them. */
export const mergeBundling = (...layers: (nodejs.BundlingOptions | undefined)[]): nodejs.BundlingOptions => combineBundling(COURIER_BUNDLING, ...layers);
