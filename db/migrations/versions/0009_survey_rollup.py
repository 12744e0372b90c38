"""The survey's daily roll-up, kept by the database: per day and service the responses and
unsur sums (``survey_day_totals``) and the answers to each profile question
(``survey_day_answers``), and two indexes of the responses that carry a suggestion.

Triggers on ``survey_responses`` add each inserted response to the roll-up and take each
deleted one away, whoever writes (the bot, an import, a bulk load), so the dashboard's survey
page reads a year per service and profile from a few thousand rows instead of every response.
The roll-up is filled from the responses already stored.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from iku.skm import UNSUR_KEYS
from iku.survey_forms import AGE_GROUPS

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Indexes of the responses with a suggestion (as in db/models.py SUGGESTION_INDEXES).
SUGGESTION_INDEXES = (
    ("ix_survey_responses_suggestions", ("local_date", "id")),
    ("ix_survey_responses_service_suggestions", ("service", "local_date", "id")),
)
QUESTIONS = ("gender", "age_group", "education", "occupation", "time_slot")


def _answer(question: str, row: str) -> str:
    """The SQL of ``question``'s answer in the response ``row`` (NEW, OLD or a table)."""
    if question == "age_group":
        cases = " ".join(
            f"WHEN {row}.age BETWEEN {low} AND {high} THEN '{low}-{high}'"
            for low, high in AGE_GROUPS
        )
        return f"CASE {cases} ELSE '' END"
    if question == "time_slot":
        return f"COALESCE({row}.time_slot, '')"
    return f"{row}.{question}"


def _insert_sql(totals_alias: str, answers_alias: str) -> tuple[str, str]:
    """The two upserts that add the response NEW (aliases: PostgreSQL names the existing row
    by the table's alias, SQLite by the bare column)."""
    columns = ", ".join(UNSUR_KEYS)
    values = ", ".join(f"NEW.{key}" for key in UNSUR_KEYS)
    add = ", ".join(f"{key} = {totals_alias}{key} + excluded.{key}" for key in UNSUR_KEYS)
    table_alias = f" AS {totals_alias.rstrip('.')}" if totals_alias else ""
    totals = (
        f"INSERT INTO survey_day_totals{table_alias} (local_date, service, responses, {columns}) "
        f"VALUES (NEW.local_date, NEW.service, 1, {values}) "
        f"ON CONFLICT (local_date, service) DO UPDATE SET "
        f"responses = {totals_alias}responses + 1, {add}"
    )
    rows = ", ".join(
        f"(NEW.local_date, NEW.service, '{question}', {_answer(question, 'NEW')}, 1)"
        for question in QUESTIONS
    )
    answers_table = f" AS {answers_alias.rstrip('.')}" if answers_alias else ""
    answers = (
        f"INSERT INTO survey_day_answers{answers_table} "
        f"(local_date, service, question, answer, responses) VALUES {rows} "
        f"ON CONFLICT (local_date, service, question, answer) DO UPDATE SET "
        f"responses = {answers_alias}responses + 1"
    )
    return totals, answers


def _delete_sql() -> tuple[str, str]:
    """The two updates that take the response OLD away."""
    take = ", ".join(f"{key} = {key} - OLD.{key}" for key in UNSUR_KEYS)
    totals = (
        f"UPDATE survey_day_totals SET responses = responses - 1, {take} "
        "WHERE local_date = OLD.local_date AND service = OLD.service"
    )
    which = " OR ".join(
        f"(question = '{question}' AND answer = {_answer(question, 'OLD')})"
        for question in QUESTIONS
    )
    answers = (
        "UPDATE survey_day_answers SET responses = responses - 1 "
        f"WHERE local_date = OLD.local_date AND service = OLD.service AND ({which})"
    )
    return totals, answers


def _backfill() -> list[str]:
    columns = ", ".join(UNSUR_KEYS)
    sums = ", ".join(f"SUM({key})" for key in UNSUR_KEYS)
    statements = [
        f"INSERT INTO survey_day_totals (local_date, service, responses, {columns}) "
        f"SELECT local_date, service, COUNT(*), {sums} FROM survey_responses "
        "GROUP BY local_date, service"
    ]
    for question in QUESTIONS:
        answer = _answer(question, "survey_responses")
        statements.append(
            "INSERT INTO survey_day_answers (local_date, service, question, answer, responses) "
            f"SELECT local_date, service, '{question}', {answer}, COUNT(*) "
            f"FROM survey_responses GROUP BY local_date, service, {answer}"
        )
    return statements


def upgrade() -> None:
    op.create_table(
        "survey_day_totals",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        *(sa.Column(key, sa.Integer(), nullable=False) for key in UNSUR_KEYS),
        sa.PrimaryKeyConstraint("local_date", "service", name=op.f("pk_survey_day_totals")),
    )
    op.create_table(
        "survey_day_answers",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("question", sa.String(16), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "service", "question", "answer", name=op.f("pk_survey_day_answers")
        ),
    )
    for name, columns in SUGGESTION_INDEXES:
        op.create_index(
            name,
            "survey_responses",
            list(columns),
            sqlite_where=sa.text("saran IS NOT NULL"),
            postgresql_where=sa.text("saran IS NOT NULL"),
        )
    for statement in _backfill():
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        totals, answers = _insert_sql("t.", "a.")
        take_totals, take_answers = _delete_sql()
        op.execute(
            "CREATE FUNCTION survey_rollup_add() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {totals}; {answers}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE FUNCTION survey_rollup_take() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {take_totals}; {take_answers}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER survey_rollup_add AFTER INSERT ON survey_responses "
            "FOR EACH ROW EXECUTE PROCEDURE survey_rollup_add()"
        )
        op.execute(
            "CREATE TRIGGER survey_rollup_take AFTER DELETE ON survey_responses "
            "FOR EACH ROW EXECUTE PROCEDURE survey_rollup_take()"
        )
    else:
        totals, answers = _insert_sql("", "")
        take_totals, take_answers = _delete_sql()
        op.execute(
            "CREATE TRIGGER survey_rollup_add AFTER INSERT ON survey_responses "
            f"BEGIN {totals}; {answers}; END"
        )
        op.execute(
            "CREATE TRIGGER survey_rollup_take AFTER DELETE ON survey_responses "
            f"BEGIN {take_totals}; {take_answers}; END"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger in ("survey_rollup_add", "survey_rollup_take"):
        op.execute(f"DROP TRIGGER {trigger}" + (" ON survey_responses" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION {trigger}()")
    for name, _ in SUGGESTION_INDEXES:
        op.drop_index(name, table_name="survey_responses")
    op.drop_table("survey_day_answers")
    op.drop_table("survey_day_totals")
