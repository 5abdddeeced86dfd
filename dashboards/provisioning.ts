import { stringify } from 'yaml';
import { CLICKHOUSE_DS_TYPE, CLICKHOUSE_DS_UID } from './clickhouse-query.js';

/**
 * Grafana provisioning: the ClickHouse data source (official plugin, HTTP protocol, a
 * read-only user; Grafana expands `$VAR` from its environment, see docker-compose.yml)
 * and a file provider that loads the boards from the mounted folder.
 */
export const DASHBOARDS_MOUNT = '/var/lib/grafana/dashboards';

export function datasourceProvisioning(): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'ClickHouse (slo-pipeline)',
        uid: CLICKHOUSE_DS_UID,
        type: CLICKHOUSE_DS_TYPE,
        access: 'proxy',
        isDefault: true,
        editable: false,
        jsonData: {
          host: 'clickhouse',
          port: 8123,
          protocol: 'http',
          secure: false,
          username: 'grafana',
          defaultDatabase: '${CLICKHOUSE_DATABASE}',
          dialTimeout: '10',
          queryTimeout: '60',
        },
        secureJsonData: { password: '${GRAFANA_CLICKHOUSE_PASSWORD}' },
      },
    ],
  });
}

export function dashboardProvisioning(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: 'slo-pipeline',
        orgId: 1,
        folder: 'SLO pipeline',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: DASHBOARDS_MOUNT, foldersFromFilesStructure: false },
      },
    ],
  });
}
