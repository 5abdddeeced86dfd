import { DashboardBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { numberPanels } from '../panels.js';

export function sloDetailBoard(): Dashboard {
  return numberPanels(new DashboardBuilder('SLO detail').uid('slo-detail').build());
}
