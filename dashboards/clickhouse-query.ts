import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

/** The provisioned data source: type of the official plugin, fixed uid so boards can refer to it. */
export const CLICKHOUSE_DS_TYPE = 'grafana-clickhouse-datasource';
export const CLICKHOUSE_DS_UID = 'slo-clickhouse';
export const CLICKHOUSE_DS: common.DataSourceRef = { type: CLICKHOUSE_DS_TYPE, uid: CLICKHOUSE_DS_UID };

/**
 * The plugin's backend reads `rawSql` and `format` (sqlutil: 0 = time series, 1 = table);
 * the editor reads `editorType` and `queryType`. The foundation SDK has no builder for this
 * plugin, so this one emits the target as the plugin's SQL editor saves it.
 */
export interface ClickHouseQuery extends cog.Dataquery {
  refId: string;
  datasource: common.DataSourceRef;
  editorType: 'sql';
  queryType: 'table' | 'timeseries';
  format: 0 | 1;
  rawSql: string;
}

export class ClickHouseQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: ClickHouseQuery;

  constructor(rawSql: string) {
    this.internal = {
      refId: 'A',
      datasource: CLICKHOUSE_DS,
      editorType: 'sql',
      queryType: 'table',
      format: 1,
      rawSql: rawSql.trim(),
      _implementsDataqueryVariant: () => {},
    };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  /** Rows are (time, value...) series: the plugin turns a long frame into series. */
  timeSeries(): this {
    this.internal.queryType = 'timeseries';
    this.internal.format = 0;
    return this;
  }

  table(): this {
    this.internal.queryType = 'table';
    this.internal.format = 1;
    return this;
  }

  build(): ClickHouseQuery {
    return this.internal;
  }
}

export function sql(rawSql: string): ClickHouseQueryBuilder {
  return new ClickHouseQueryBuilder(rawSql);
}
