export { SloEvaluator, type EvaluatorStats } from './evaluator.js';
export type { SloEvaluatorOptions } from './options.js';
export { WatermarkTracker, type WatermarkOptions } from './watermark.js';
export { qualityScores } from '../store/quality.js';
export { startSloRuntime, type SloRuntime, type SloRuntimeOptions } from './wire.js';
export { refreshSloBoard, SloBoardFeed, startBoardFeed, type BoardFeedReport, type SloBoardFeedOptions } from './board-feed.js';
export { CompositeSignalFeed, startCompositeSignalFeed, type CompositeSignalFeedOptions, type SignalFeedClock } from './composite-feed.js';
