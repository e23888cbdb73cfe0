"""What Airflow itself makes of an exported DAG file, as JSON, for airflow.test.ts.

Usage: python airflow_dag_facts.py <dags folder> <dag id> [<logical date>]

Prints the import errors, and for Airflow 3 the DAG as the scheduler sees it (after the serialization
round trip the DAG processor does): its timetable, catch-up, limits, each task's retry settings and
upstream tasks, the data interval of a manual run at the logical date, and a task's command rendered
with and without a data interval in the context.
"""

import json
import sys
from datetime import datetime

import airflow

folder, dag_id = sys.argv[1], sys.argv[2]
major = int(airflow.__version__.split(".")[0])

if major >= 3:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=folder)  # Airflow 3 loads no example DAGs here
else:
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=folder, include_examples=False)
facts = {
    "airflow": airflow.__version__,
    "import_errors": {path: str(error) for path, error in bag.import_errors.items()},
    "dags": sorted(bag.dags),
}
dag = bag.dags.get(dag_id)

if dag is not None and major >= 3:
    import pendulum
    from airflow.serialization.serialized_objects import DagSerialization

    def seconds(delta):
        return None if delta is None else delta.total_seconds()

    scheduled = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    timetable = scheduled.timetable
    facts["timetable"] = {
        "class": type(timetable).__name__,
        "summary": timetable.summary,
        "timezone": str(getattr(timetable, "_timezone", "")),
    }
    facts["catchup"] = scheduled.catchup
    facts["max_active_runs"] = scheduled.max_active_runs
    facts["max_active_tasks"] = scheduled.max_active_tasks
    facts["doc_md"] = dag.doc_md
    facts["tasks"] = {
        task.task_id: {
            "retries": task.retries,
            "retry_delay": seconds(task.retry_delay),
            "retry_exponential_backoff": task.retry_exponential_backoff,
            "max_retry_delay": seconds(task.max_retry_delay),
            "execution_timeout": seconds(task.execution_timeout),
            "trigger_rule": str(getattr(task.trigger_rule, "value", task.trigger_rule)),
            "upstream": sorted(task.upstream_task_ids),
        }
        for task in scheduled.tasks
    }
    if len(sys.argv) > 3:
        interval = timetable.infer_manual_data_interval(run_after=pendulum.parse(sys.argv[3]))
        facts["manual_interval"] = [interval.start.isoformat(), interval.end.isoformat()]
    # Rendered as Airflow renders templates: the DAG's Jinja environment, StrictUndefined.
    task = dag.tasks[0]
    template = dag.get_template_env().from_string(task.bash_command)
    start, end = datetime(2026, 1, 1, 5, tzinfo=pendulum.UTC), datetime(2026, 1, 2, 5, tzinfo=pendulum.UTC)
    facts["command_with_interval"] = template.render(
        run_id="scheduled__x", data_interval_start=pendulum.instance(start), data_interval_end=pendulum.instance(end)
    )
    facts["command_without_interval"] = template.render(run_id="manual__y")

json.dump(facts, sys.stdout, indent=1)
