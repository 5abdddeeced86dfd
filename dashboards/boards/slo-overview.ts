import { DashboardBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { numberPanels } from '../panels.js';

export function sloOverviewBoard(): Dashboard {
  return numberPanels(new DashboardBuilder('SLO overview').uid('slo-overview').build());
}
