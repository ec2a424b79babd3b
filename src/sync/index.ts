/**
 * sync/ — the sync planner (pure): phases, waves, kind order, hooks, prune, sync options → SyncPlan.
 * The executor that carries a plan out against the cluster lives beside it and consumes these types.
 *
 * Owns: types.ts (input, plan, PlanError), waves.ts (waves and kind order), hooks.ts (hook phases and delete
 * policies, Helm's mapped), options.ts (sync options), plan.ts (planSync), describe.ts (printing a plan),
 * progress.ts (the operation as a state machine of steps, pure); execute.ts (the one-step executor, I/O
 * through an injected ClusterOps) consumes them.
 * Must not import: cluster/, controller/, api/, cli/, ui/, or anything that does I/O.
 */
export { planSync } from "./plan.js";
export { describePlan, flattenPlan, formatTask, taskObject, countActions } from "./describe.js";
export {
  PlanError,
  defaultPlanOptions,
  SYNC_PHASES,
  type CompareStatus,
  type DesiredResource,
  type HookDeletePolicy,
  type HookInfo,
  type PhasePlan,
  type PlanInput,
  type PlanOptions,
  type PlanWave,
  type PropagationPolicy,
  type ResourceSelector,
  type SyncPhase,
  type SyncPlan,
  type SyncTask,
  type TaskAction,
  type TaskOptions,
} from "./types.js";
export { classifyHook, readDeletePolicies, type HookClass } from "./hooks.js";
export { readWave, kindRank, compareForApply, compareForPrune, KIND_ORDER } from "./waves.js";
export { parseAppSyncOptions, defaultTaskOptions, type AppSyncOptions } from "./options.js";
export {
  awaited,
  compareSteps,
  endsAtApply,
  evaluate,
  findStep,
  hasHooks,
  nextStep,
  outcomeOf,
  runningHooks,
  sameStep,
  stepName,
  stepsOf,
  withFailure,
  withHooksEnded,
  withStep,
  type Observation,
  type Step,
  type StepRef,
  type StepVerdict,
  type SyncProgress,
} from "./progress.js";
