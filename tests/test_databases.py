"""The test databases themselves: each backend hands out an empty, writable database."""

import sqlalchemy as sa


def test_each_backend_gives_an_empty_writable_database(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO probe VALUES (1)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM probe").scalar() == 1
    finally:
        engine.dispose()
