"""Talking to a Ray cluster before and while a run is on it: connect, read its nodes, and decide
whether the conversation's database is reachable from them.

Why a module of its own: ``RayRunControl`` (start/stop/refresh) should read as the run's life;
the questions a user must get a clear answer to before anything is submitted — is the cluster
there, can any node ever hold this job, can the cluster write into this database — live here,
each as one function that returns a sentence or raises one.

``ray`` is imported inside the functions: ``pip install trainchat`` stays light, and without the
``ray`` extra the message says how to install it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import psutil
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:
    from ray.job_submission import JobSubmissionClient

__all__ = [
    "RAY_ADDRESS_ENV",
    "DEFAULT_RAY_ADDRESS",
    "RayClusterError",
    "ClusterNode",
    "dashboard_url",
    "connect",
    "cluster_nodes",
    "resource_shortfall",
    "check_database_for_cluster",
    "database_for_cluster",
]

RAY_ADDRESS_ENV = "TRAINCHAT_RAY_ADDRESS"
"""Environment variable naming the cluster's dashboard (Jobs API) address."""
DEFAULT_RAY_ADDRESS = "http://127.0.0.1:8265"
"""Where ``ray start --head`` serves the Jobs API on this machine."""
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


class RayClusterError(RuntimeError):
    """Something about the cluster a user can fix; ``str()`` is one line saying what to do."""


@dataclass(frozen=True)
class ClusterNode:
    """One live node of the cluster, as far as placing a run is concerned."""

    ip: str
    """The address the node registered with."""
    cpus: float
    """CPUs the node offers in total."""
    gpus: float
    """GPUs the node offers in total."""


def dashboard_url(address: str) -> str:
    """``address`` as the HTTP URL of the Jobs API: ``head:8265`` → ``http://head:8265``.

    ``ray://`` (the Ray Client port) is refused with the fix: Ray Jobs talk to the dashboard.
    """
    address = address.strip().rstrip("/")
    if address.startswith("ray://"):
        raise RayClusterError(
            f"{address} is a Ray Client address; training runs are submitted through the "
            "cluster's dashboard (Jobs API): use http://<head>:8265"
        )
    if "://" not in address:
        address = "http://" + address
    return address


def connect(address: str, *, timeout_s: float = 5.0) -> JobSubmissionClient:
    """A Jobs API client for ``address``, or ``RayClusterError`` saying why there is none.

    The TCP probe first: the Jobs client has no connect timeout, so an unroutable head would
    hang a chat turn for minutes.
    """
    try:
        from ray.job_submission import JobSubmissionClient
    except ImportError as exc:
        raise RayClusterError(
            'running on Ray needs the ray extra: pip install "trainchat[ray]"'
        ) from exc
    url = dashboard_url(address)
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise _unreachable(url, exc.strerror or str(exc)) from exc
    try:
        return JobSubmissionClient(url)
    except ConnectionError as exc:
        raise _unreachable(url, "connection refused") from exc
    except RuntimeError as exc:  # something answers, but not a Ray dashboard (404 on /api/version)
        raise RayClusterError(
            f"{url} answers but is not a Ray dashboard ({str(exc).splitlines()[0]}); give the "
            "head's dashboard address (ray start --head prints it, port 8265 by default)"
        ) from exc


def _unreachable(url: str, reason: str) -> RayClusterError:
    return RayClusterError(
        f"cannot reach the Ray cluster at {url} ({reason}). Start one with `ray start --head "
        "--dashboard-host 0.0.0.0`, or point --address / TRAINCHAT_RAY_ADDRESS at its "
        "dashboard (http://<head>:8265)"
    )


def cluster_nodes(address: str) -> tuple[ClusterNode, ...]:
    """The cluster's live nodes and their total CPUs/GPUs (through the dashboard's state API)."""
    from ray.util.state import list_nodes

    try:
        states: list[Any] = list_nodes(
            address=dashboard_url(address), filters=[("state", "=", "ALIVE")], timeout=10
        )
    except Exception as exc:  # the state API raises its own types per version; any is "unknown"
        raise _unreachable(dashboard_url(address), f"listing nodes failed: {exc}") from exc
    return tuple(
        ClusterNode(
            ip=str(state.node_ip),
            cpus=float((state.resources_total or {}).get("CPU", 0.0)),
            gpus=float((state.resources_total or {}).get("GPU", 0.0)),
        )
        for state in states
    )


def resource_shortfall(
    nodes: Iterable[ClusterNode], *, cpus: float | None, gpus: float | None
) -> str | None:
    """Why no node of ``nodes`` can ever hold a run asking for ``cpus``/``gpus``; ``None`` if one
    can. (Ray keeps such a job PENDING — waiting for a node that may never join.)"""
    nodes = tuple(nodes)
    wanted_cpus, wanted_gpus = cpus or 0.0, gpus or 0.0
    if any(node.cpus >= wanted_cpus and node.gpus >= wanted_gpus for node in nodes):
        return None
    most_gpus = max((node.gpus for node in nodes), default=0.0)
    most_cpus = max((node.cpus for node in nodes), default=0.0)
    asked = _amounts(wanted_cpus, wanted_gpus)
    largest = _amounts(most_cpus, most_gpus, always_gpus=True)
    fix = "--gpus 0" if wanted_gpus > most_gpus else f"--cpus {_number(most_cpus)}"
    return (
        f"not enough resources: the run asks for {asked} but the cluster's largest node has "
        f"{largest}; it stays queued until such a node joins (or start it with {fix})"
    )


def _amounts(cpus: float, gpus: float, *, always_gpus: bool = False) -> str:
    parts = [f"{_number(cpus)} CPU{'s' if cpus != 1 else ''}"]
    if gpus or always_gpus:
        parts.append(f"{_number(gpus)} GPU{'s' if gpus != 1 else ''}")
    return " and ".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _local_addresses() -> set[str]:
    addresses = {"127.0.0.1", "::1", socket.gethostname()}
    for entries in psutil.net_if_addrs().values():
        addresses.update(entry.address.split("%")[0] for entry in entries)
    return addresses


def _is_loopback(host: str | None) -> bool:
    if not host or host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_SOCKET_KEYS = ("host", "unix_socket")
"""URL query keys that can name where the server is instead of the URL's host: libpq's
``?host=`` (a host name or, starting with ``/``, a unix socket folder; repeatable or
comma-separated for several servers) and PyMySQL's ``?unix_socket=``."""


def _database_hosts(url: URL) -> tuple[str, ...]:
    """Every place ``url`` connects to: host names, and unix socket paths (they start with
    ``/``). Empty when it names none, which every driver reads as this machine (libpq's default
    socket, PyMySQL's localhost)."""
    hosts = [url.host] if url.host else []
    for key in _SOCKET_KEYS:
        value = url.query.get(key)
        for entry in (value,) if isinstance(value, str) else tuple(value or ()):
            for host in entry.split(","):
                host = host.strip()
                if host.startswith("/") or key == "unix_socket":
                    hosts.append(host)
                elif host:
                    hosts.append(host.rpartition(":")[0] if host.count(":") == 1 else host)
    return tuple(hosts)


def _only_on_this_machine(url: URL) -> str | None:
    """Where ``url`` points that, on another machine, means that machine (a loopback host, a
    unix socket, or no host at all); ``None`` when every place it names is reachable by name."""
    hosts = _database_hosts(url)
    if not hosts:
        return "localhost (no host given)"
    for host in hosts:
        if host.startswith("/"):
            return f"the unix socket {host}"
        if _is_loopback(host):
            return host
    return None


def database_for_cluster(db_url: str) -> str:
    """``db_url`` as the cluster must see it: a relative SQLite path made absolute (a Ray job
    starts in a working directory of its own, where ``sqlite:///trainchat.db`` is another file)."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return db_url
    from pathlib import Path

    absolute = str(Path(url.database).expanduser().resolve())
    return url.set(database=absolute).render_as_string(hide_password=False)


def check_database_for_cluster(db_url: str, nodes: Iterable[ClusterNode]) -> None:
    """Refuse, with the fix, a database the cluster's nodes cannot reach from where they are.

    A SQLite file is only shared when every node runs on this machine; a server named
    ``localhost`` or reached through a unix socket (``?host=/var/run/postgresql``) is, for a
    node on another machine, that machine, while either is fine for nodes on this one. What
    can be decided from here is decided here; the rest (firewalls, passwords) is checked by the
    run itself on the node before it trains (``agent.training.ray_entry``).
    """
    url = make_url(db_url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database in (None, "", ":memory:"):
        raise RayClusterError(
            "an in-memory SQLite database lives inside one process and cannot be shared with a "
            "Ray job; use a SQLite file or a PostgreSQL/MariaDB URL the cluster can reach"
        )
    remote = sorted({node.ip for node in nodes if node.ip not in _local_addresses()})
    if not remote:
        return
    where = ", ".join(remote[:3]) + (" …" if len(remote) > 3 else "")
    if sqlite:
        raise RayClusterError(
            f"the database is a SQLite file on this machine ({url.database}), but the Ray "
            f"cluster has nodes on other machines ({where}) that cannot write to it. A SQLite "
            "file works only when the head and the agent share a machine: use a PostgreSQL or "
            "MariaDB URL the cluster can reach (--db postgresql+psycopg://user@host/db)"
        )
    local = _only_on_this_machine(url)
    if local is not None:
        example = url.difference_update_query(_SOCKET_KEYS).set(host="db.example.internal")
        raise RayClusterError(
            f"the database is at {local}, which on the cluster's nodes ({where}) means their "
            "own machine; give a host name the cluster can reach "
            f"(--db {example.render_as_string(hide_password=True)})"
        )
