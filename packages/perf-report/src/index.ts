export { parseBenchmarkOutput, type BenchmarkRow, type BenchmarkRun, type BenchmarkTable } from './benchmark';
export { renderReportHtml } from './html';
export {
  defaultStep,
  fetchPrometheusWindow,
  parseDuration,
  PrometheusUnavailableError,
  queryRange,
  REPORT_QUERIES,
  type PrometheusWindow,
  type QueryResult,
  type ReportQuery,
} from './prometheus';
export {
  benchmarkReport,
  generatePerformanceReport,
  prometheusReport,
  seriesStats,
  type KeyFigure,
  type PerformanceReport,
  type ReportInput,
  type ReportOptions,
  type ReportSection,
  type ReportTable,
  type SeriesStats,
} from './report';
export { barChart, escapeXml, lineChart, niceTicks, type Bar, type BarChartSpec, type LineChartSpec, type LineSeries } from './svg';
export { formatRatio, formatValue, unitOfColumn, type Unit } from './units';
