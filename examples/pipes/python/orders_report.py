"""A Python program written with the dagster-pipes package, exactly as for Dagster; it runs
unchanged under Plumbline. Install the client with `pip install dagster-pipes`.

    assets:
      - key: reporting/orders_report
        pipes:
          command: [python3, examples/pipes/python/orders_report.py]
"""

import random
import time

from dagster_pipes import open_dagster_pipes


def main():
    with open_dagster_pipes() as context:
        context.log.info(f"building the orders report for {context.asset_key}")
        started = time.time()
        rows = random.randint(900, 1100)
        late = random.randint(0, 30)
        context.report_asset_materialization(
            metadata={
                "rows": rows,
                "late_orders": late,
                "duration_seconds": time.time() - started,
                "report": {"raw_value": "https://bi.example.com/orders", "type": "url"},
            },
            data_version=str(rows),
        )
        context.report_asset_check(
            check_name="few_late_orders",
            passed=late < 25,
            severity="WARN",
            metadata={"late_orders": late},
        )
        context.report_custom_message({"rows": rows, "late": late})


if __name__ == "__main__":
    main()
