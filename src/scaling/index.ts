// Public API of lmforge's scaling tools: exact counts, FLOPs and memory, presets, the Chinchilla planner,
// Approach 2 / Approach 3 fitters, the IsoFLOP sweep and its report. See docs/scaling.md.

export { resolveShape, llamaHiddenSize, type Arch, type BertHead, type ModelShape, type ResolvedShape } from './shape.js';
export { parameterTable, isEmbeddingGroup, numel, type ParamEntry, type ParamGroup } from './params.js';
export {
  countParams, flopsPerToken, trainingFlops, activationFloats, trainingMemory, inferenceMemory,
  type ParamCounts, type FlopsPerToken, type TrainingFlops, type TrainingMemory, type InferenceMemory,
} from './counts.js';
export { PRESETS, getPreset, type Preset } from './presets.js';
export { shapeFromConfig, readShape } from './config.js';
export { shapeForParams, aspectTarget, type ShapeRuleOptions, type ShapeChoice } from './shape_rule.js';
export {
  LAWS, FIT_NAMES, CHINCHILLA_TABLE3, predictLoss, frontier, lawAllocation, plan,
  approach1FromCompute, approach1FromParams, approach1FromTokens,
  type LossLaw, type FitName, type Frontier, type Table3Row, type Allocation, type PlanInput, type PlanOptions, type Plan,
} from './chinchilla.js';
export { lbfgs, type Objective, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';
export { huber, huberGrad } from './huber.js';
export { quantile, stddev, interval, resampleIndices, type Interval } from './bootstrap.js';
export { fitApproach3, approach3Objective, chinchillaGrid, type Observation, type Approach3Options, type Approach3Fit } from './fit.js';
export { fitApproach2, fitParabola, isoMinimum, type IsoRun, type IsoMinimum, type PowerLaw, type Approach2Fit } from './isoflop.js';
export { lineChart, type Series, type ChartSpec } from './svg.js';
export { buildReport, writeReport, REFERENCE, type RunResult, type ReportOptions, type ScalingReport } from './report.js';
export {
  planSweep, runSweep, readResults,
  type TrainFn, type TrainSpec, type TrainOutcome, type SweepOptions, type SweepRunPlan, type RunRecord, type SweepEvent, type SweepResult,
} from './sweep.js';
export { si, commas, bytes, duration, parseQuantity, parseList } from './format.js';
