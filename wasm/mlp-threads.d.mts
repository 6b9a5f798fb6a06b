// The threaded build (build/wasm/dist/mlp-threads.mjs) has the single-threaded
// module's API (mlp.d.mts); its pool of pthread workers is sized by
// ModuleOptions.mlpPoolSize and reachable as MlpModule.PThread.
export * from './mlp.mjs';
export { default } from './mlp.mjs';
