/**
 * The seed's monitoring contract. Its types are domain types, so the service that implements it
 * supplies them; this package only fixes the shape.
 */
export interface MonitoringSystem<BookingMetrics, AnomalyType, Report> {
  trackBookingMetrics(metrics: BookingMetrics): Promise<void>;
  alertOnAnomaly(anomaly: AnomalyType): Promise<void>;
  generatePerformanceReport(): Promise<Report>;
}
