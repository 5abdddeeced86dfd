import { DashboardBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { numberPanels } from '../panels.js';

export function financeBoard(): Dashboard {
  return numberPanels(new DashboardBuilder('Incident finance').uid('slo-finance').build());
}
