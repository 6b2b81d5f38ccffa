#!/bin/sh
# Reports a few days of history for the example platform (plumbline.yaml beside this
# script) through Plumbline's Dagster-compatible REST endpoints, as the loaders, dbt and the
# ML jobs would: materializations with row counts and durations, observations of sources,
# and check results. Re-running it adds more history.
#
#   sh examples/platform/seed.sh                      # Plumbline at http://localhost:3000
#   PLUMBLINE_URL=http://plumbline:3000 sh examples/platform/seed.sh
set -eu

url=${PLUMBLINE_URL:-http://localhost:3000}
url=${url%/}
materializations=0 observations=0 checks=0

die() {
	echo "seed: $*" >&2
	exit 1
}

# post ENDPOINT KEY BODY: sends a JSON body about the asset KEY; any answer but 200 stops.
post() {
	out=$(curl -sS --max-time 30 -w '\n%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data "$3" "$url/$1/$2") ||
		die "cannot reach Plumbline at $url (start it with make run, or set PLUMBLINE_URL)"
	status=$(printf '%s\n' "$out" | tail -n 1)
	[ "$status" = 200 ] || die "POST /$1/$2 answered $status: $(printf '%s\n' "$out" | sed '$d')"
}

# version WORDS...: a data version derived from what was produced.
version() {
	printf '%s' "$*" | cksum | awk '{ printf "%08x", $1 }'
}

# materialize KEY METADATA [PARTITION]: a materialization with metadata (JSON object
# members) and a data version derived from them.
materialize() {
	body="{\"data_version\": \"$(version "$@")\", \"metadata\": {$2}"
	post report_asset_materialization "$1" "$body${3:+, \"partition\": \"$3\"}}"
	materializations=$((materializations + 1))
}

# table KEY ROWS SECONDS [METADATA [PARTITION]]: a table's materialization, with its row
# count (an int) and how long it took to build (a float).
table() {
	materialize "$1" "\"dagster/row_count\": $2, \"duration_seconds\": $3${4:+, $4}" "${5:-}"
}

# observe KEY DATA_VERSION METADATA: an observation of a source Plumbline does not build.
observe() {
	post report_asset_observation "$1" "{\"data_version\": \"$2\", \"metadata\": {$3}}"
	observations=$((observations + 1))
}

# check KEY NAME PASSED SEVERITY [METADATA]: the result of a check declared on KEY.
check() {
	post report_asset_check "$1" \
		"{\"check_name\": \"$2\", \"passed\": $3, \"severity\": \"$4\", \"metadata\": {${5:-}}}"
	checks=$((checks + 1))
}

# link URL and markdown TEXT: typed metadata values.
link() { printf '{"raw_value": "%s", "type": "url"}' "$1"; }
markdown() { printf '{"raw_value": "%s", "type": "md"}' "$1"; }

curl -sS --max-time 5 -o /dev/null "$url/" ||
	die "cannot reach Plumbline at $url (start it with make run, or set PLUMBLINE_URL)"

# Loaders and dbt: RUNS materializations of each asset, its ROWS growing by GROWTH a run.
while read -r key rows growth seconds runs; do
	run=1
	while [ "$run" -le "$runs" ]; do
		case $key in
		raw/*) extra="\"loader_job\": $(link "https://etl.example.com/jobs/${key#raw/}/$((4100 + run))")" ;;
		*) extra="\"dbt_invocation\": \"$(version "$key" "$run")\", \"rows_inserted\": $growth" ;;
		esac
		table "$key" $((rows + run * growth)) "$seconds.$((run * 3))" "$extra"
		run=$((run + 1))
	done
done <<EOF
raw/orders                   1842300  1250   41 3
raw/order_items              5120944  3600   63 3
raw/customers                 482110   310   12 3
raw/products                   12840     4    3 2
raw/payments                 1903377  1300   55 3
raw/refunds                    88112    40    9 2
raw/inventory                  38520     0   17 2
raw/marketing_spend           214880   120   22 2
raw/shipments                1790455  1180   48 3
raw/support_tickets           301229   210   15 2
staging/stg_orders           1838950  1240    8 3
staging/stg_order_items      5118720  3590   14 3
staging/stg_customers         480554   305    6 3
staging/stg_products           12802     4    2 1
staging/stg_payments         1801632  1220    9 3
staging/stg_refunds            86540    38    3 2
staging/stg_inventory        4120334 38520   26 2
staging/stg_web_sessions    61420998 91000  184 2
staging/stg_marketing_spend   214880   120    5 2
staging/stg_shipments        1788021  1175    7 2
staging/stg_exchange_rates      4380     3    1 1
EOF

# Sources landed in S3 and synced by Fivetran are observed: what arrived, and when.
now=$(date +%s)
observe raw/web_events "$(version web_events "$now")" \
	"\"objects\": 24, \"bytes\": 1873410228, \"last_modified\": {\"raw_value\": $now, \"type\": \"timestamp\"}, \"prefix\": {\"raw_value\": \"s3://hearth-landing/segment/web/\", \"type\": \"path\"}"
observe raw/exchange_rates "$(version fx "$now")" \
	"\"currencies\": 3, \"last_modified\": {\"raw_value\": $now, \"type\": \"timestamp\"}"
observe raw/marketing_spend "$(version ads "$now")" \
	"\"sync_status\": \"SUCCEEDED\", \"rows_synced\": 120, \"sync\": $(link https://fivetran.example.com/dashboard/connectors/google_ads_main)"

# Marts, with their schema and a note for the catalog page.
orders_schema='{"raw_value": {"columns": [
	{"name": "order_id", "type": "varchar", "description": "Storefront order id", "constraints": {"nullable": false, "unique": true}},
	{"name": "customer_id", "type": "varchar"},
	{"name": "ordered_at", "type": "timestamp_ntz"},
	{"name": "gross_revenue_usd", "type": "number(12,2)"},
	{"name": "refunded_usd", "type": "number(12,2)"},
	{"name": "net_revenue_usd", "type": "number(12,2)"},
	{"name": "payment_method", "type": "varchar"}]}, "type": "table_schema"}'
customers_schema='{"raw_value": {"columns": [
	{"name": "customer_id", "type": "varchar", "constraints": {"nullable": false, "unique": true}},
	{"name": "first_order_at", "type": "timestamp_ntz"},
	{"name": "latest_order_at", "type": "timestamp_ntz"},
	{"name": "order_count", "type": "integer"},
	{"name": "lifetime_revenue_usd", "type": "number(12,2)"},
	{"name": "acquisition_channel", "type": "varchar"}]}, "type": "table_schema"}'

table marts/fct_orders 1836104 31.4 "\"dagster/column_schema\": $orders_schema, \"summary\": $(markdown '**1,248** new orders; refunds are now netted per order.')"
table marts/fct_orders 1837390 29.8 "\"dagster/column_schema\": $orders_schema, \"summary\": $(markdown '**1,286** new orders.')"
table marts/dim_customers 480102 12.6 "\"dagster/column_schema\": $customers_schema"
table marts/dim_customers 480388 12.1 "\"dagster/column_schema\": $customers_schema"
table marts/dim_products 12802 2.2 '"out_of_stock_skus": 37'
table marts/customer_ltv 480388 95.7 "\"mean_ltv_usd\": 184.27, \"model\": $(markdown 'BG/NBD with Gamma-Gamma spend, fitted on **24 months** of orders.')"
table marts/fct_fulfillment 1790120 18.9 '"late_deliveries_pct": 3.8'

# The daily revenue mart is partitioned by order date: one materialization per day.
while read -r day orders revenue; do
	table marts/fct_revenue_daily 1 4.2 "\"orders\": $orders, \"net_revenue_usd\": $revenue" "$day"
done <<EOF
2026-11-16 1204  98211.40
2026-11-17 1318 104377.15
2026-11-18 1275 101902.80
2026-11-19 1342  99120.35
2026-11-20 1296 103655.90
EOF

# The dashboard and the churn models.
materialize reporting/executive_dashboard "\"dashboard\": $(link https://hearth.looker.example.com/dashboards/12), \"tiles\": 14, \"refresh_seconds\": 38.5"
table ml/churn_features 2890334 210.4 '"feature_count": 42'
materialize ml/churn_model "\"roc_auc\": 0.871, \"training_rows\": 2890334, \"run\": $(link https://mlflow.example.com/#/experiments/7/runs/5f1c9a), \"card\": $(markdown '## Churn model v11\nGradient boosting, 400 trees: **AUC 0.871** on the November holdout.')"
table ml/churn_scores 312480 44.0 '"mean_score": 0.184'

# Check results: mostly passing, one warning and one failure.
check raw/web_events row_count_in_range true WARN '"events_last_hour": 412883, "same_hour_last_week": 398020'
check staging/stg_orders order_id_unique true ERROR '"duplicates": 0'
check staging/stg_orders order_id_not_null true ERROR '"null_rows": 0'
check staging/stg_orders status_accepted_values true ERROR '"unexpected_values": []'
check staging/stg_order_items quantity_positive true ERROR
check staging/stg_customers customer_id_unique true ERROR '"duplicates": 0'
check staging/stg_customers email_not_null false WARN '"null_emails": 1312, "share_pct": 0.27'
check staging/stg_payments payment_method_accepted_values true ERROR
check staging/stg_payments amount_not_negative true ERROR '"negative_rows": 0'
check marts/fct_orders order_id_unique true ERROR '"duplicates": 0'
check marts/fct_orders revenue_matches_payments false ERROR '"diff_pct": 1.92, "days_over_threshold": 2, "worst_day": "2026-11-19"'
check marts/dim_customers customer_id_unique true ERROR '"duplicates": 0'
check marts/dim_products sku_unique true ERROR
check marts/fct_revenue_daily net_revenue_not_negative true ERROR '"days_checked": 5'
check marts/customer_ltv ltv_not_negative true ERROR
check marts/fct_fulfillment shipped_after_ordered true WARN '"violations": 0'
check ml/churn_scores score_between_0_and_1 true ERROR '"min": 0.002, "max": 0.981'

echo "seed: reported $((materializations + observations + checks)) events to $url" \
	"($materializations materializations, $observations observations, $checks check evaluations)"
