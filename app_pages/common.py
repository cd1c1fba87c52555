"""UI helpers shared by the pages (the only place besides pages that imports streamlit)."""

from __future__ import annotations

import base64
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import folium
import streamlit as st
from streamlit_folium import st_folium

from mapping.access import PUBLIC_USER, SAMPLE, User, check_counts, openable_dongs, sample_user
from mapping.errors import AccessError, AuthError, ConflictError, MappingError
from mapping.layers import map_html
from mapping.map_controls import MAP_TITLE, PHONE_MAP_CSS
from mapping.store import Store, open_store

T = TypeVar("T")

SAMPLE_NOTE = (
    "샘플 동입니다: 행정동 경계와 의료기관은 실제 공공자료이고, 통 경계와 모든 사람(직원·주민)·보고는 가상입니다."
)


# Streamlit 1.67 has no option for the file uploader's own words ("Upload", "50MB per file • JPG, …", "Drag and
# drop files here"): they are hidden and said in Korean here (each uploader's label states its types and limit)
_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_FRAME_CSS = f"""<style>
{_DROPZONE} button [data-testid="stMarkdownContainer"] > p {{ display: none; }}
{_DROPZONE} button [data-testid="stMarkdownContainer"]::after {{ content: "파일 고르기"; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
  content: "또는 여기로 끌어다 놓기"; font-size: 0.875rem; color: rgba(49, 51, 63, 0.6);
}}
{_DROPZONE} > div:not([data-testid]) > span {{ display: none; }}
{_DROPZONE} > div:not([data-testid])::after {{ content: "여기에 놓으세요"; }}
{PHONE_MAP_CSS}
</style>"""


def frame_css() -> None:
    """The app frame's CSS, once a run: Streamlit's English widget words said in Korean, maps' height on a phone."""
    st.html(_FRAME_CSS)


@st.cache_resource
def get_store() -> Store:
    """The store at ``MAPPING_DB`` (one per server process)."""
    return open_store()


def dong_picker(store: Store) -> str | None:
    """The sidebar's dong: only the dongs the person may open (:func:`mapping.access.openable_dongs`), their own first.

    A staff account has its own dong only (no choice shown); a 구 담당 the dongs of their gu; a visitor
    any dong's public map.  Remembered in the session.
    """
    user = current_user()
    dongs = store.dongs()
    options = dongs if user is None else openable_dongs(user, dongs)
    if options.empty:
        st.session_state["dong"] = None
        if user is not None and user.dong_code:
            st.sidebar.warning(f"계정의 동({md(user.dong_code)}) 자료가 저장소에 없습니다. 관리자에게 문의하세요.")
        return None
    codes = list(options["dong_code"])
    names = dict(zip(options["dong_code"], options["name"], strict=True))
    current = st.session_state.get("dong")
    index = codes.index(current) if current in codes else 0
    if len(codes) == 1:
        st.session_state["dong"] = codes[0]
        st.sidebar.caption(f"동: **{md(names[codes[0]])}**")
    else:
        st.session_state["dong"] = st.sidebar.selectbox("동", codes, index=index, format_func=lambda c: names[c])
    st.session_state["dong_sample"] = bool(options.set_index("dong_code").loc[st.session_state["dong"], "sample"])
    return st.session_state["dong"]


def require_dong(*, public: bool = False) -> str:
    """The chosen dong, or stop the page with a pointer to the 데이터 page.

    Unless ``public`` (the public map, open to anyone), the person must be allowed the dong's pages
    (:func:`mapping.access.check_counts`): its own staff, its gu, sample browsing of a sample dong.
    """
    code = st.session_state.get("dong")
    if not code:
        st.info(
            "저장소에 볼 수 있는 동 자료가 없습니다. 관리자는 '데이터' 페이지에서 자료 키트를 올리고, "
            "처음이라면 `make run`으로 샘플을 불러오세요."
        )
        st.stop()
    if not public:
        user = current_user()
        try:
            check_counts(user or PUBLIC_USER, code, sample=bool(st.session_state.get("dong_sample")))
        except AccessError as err:
            st.error(md(err))
            st.stop()
    if st.session_state.get("dong_sample"):
        st.caption(f":material/science: {SAMPLE_NOTE}")
    return code


def show_map(m: folium.Map, *, key: str, height: int = 620, returned_objects: list[str] | None = None) -> dict | None:
    """Render a folium map; streamlit-folium only where the page needs events back (``returned_objects``).

    A map the page needs nothing back from is a plain frame (``st.iframe``): no component bundle to load
    first, so it shows ≈ 0.4 s sooner (``python -m bench.browser``), and, its HTML the same from one run to the
    next (:func:`mapping.layers.map_html`), it stays where the user panned it when the page reruns.
    """
    if not returned_objects:
        st.iframe(map_html(m), height=height, alt=MAP_TITLE)
        return None
    return st_folium(m, key=key, height=height, use_container_width=True, returned_objects=returned_objects)


def current_user() -> User | None:
    """Who is logged in this session, seen from the viewer's address (None: a visitor: the public map only)."""
    user = st.session_state.get("user")
    return None if user is None else user.at(client_address())


def require_user() -> User:
    """Who is logged in; a visitor's run of the page stops here (the menu offers staff pages to staff only).

    After :func:`pick_officer` this is the acting account (in sample browsing, the staff member chosen).
    """
    user = current_user()
    if user is None:
        st.stop()
    return user


def sso_configured() -> bool:
    """Whether single sign-on (OIDC through ``st.login``) is set up: ``[auth]`` in ``.streamlit/secrets.toml``.

    The section must hold everything ``st.login()`` needs for its one provider (``redirect_uri``,
    ``cookie_secret``, ``client_id``, ``client_secret``, ``server_metadata_url``): a half-written one offers no
    SSO button rather than Streamlit's English error page when it is clicked.
    """
    needed = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
    try:
        auth = st.secrets.get("auth")
        if auth is None:
            return False  # no [auth]
        return all(auth.get(key) for key in needed)
    except (AttributeError, FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False  # no secrets file, no [auth], or not a table


def sign_in_from_sso(store: Store) -> None:
    """After an OIDC login (``st.login``), map the identity's e-mail to its account, once per session.

    ``st.user.is_logged_in`` exists only while ``[auth]`` is configured (Streamlit 1.67): it is read with ``get``.
    """
    if current_user() is not None or not sso_configured() or not st.user.get("is_logged_in"):
        return
    try:
        st.session_state["user"] = store.user_for_email(str(st.user.get("email") or ""), client=client_address())
    except AuthError as err:
        st.sidebar.error(md(err))


def client_address() -> str | None:
    """The viewer's address, for the access log, where Streamlit knows it."""
    value = getattr(st.context, "ip_address", None)
    return value if isinstance(value, str) else None  # headless runs (AppTest) have none


def pick_officer(names: list[str], *, label: str = "주무관") -> str:
    """The acting staff member: the logged-in account's; in sample browsing any of ``names``, chosen here.

    Stops the page for an account that is not one of ``names`` on this dong's staff (e.g. 구 담당, 관리자,
    or an officer on a leader's page).  Sample browsing stays read-only as whoever is chosen.
    """
    user = current_user()
    code = st.session_state.get("dong")
    if user is None:
        st.stop()
    if user.role != SAMPLE:
        if user.staff_name not in names or user.dong_code != code:
            st.info(f"{md(user.name)} 계정({md(user.role_label)})은 이 화면을 쓰지 않습니다.")
            st.stop()
        st.caption(f"{label}: **{md(user.staff_name)}** (로그인한 계정)")
        return str(user.staff_name)
    index = names.index(user.staff_name) if user.staff_name in names else 0
    me = st.selectbox(
        label, names, index=index, key="officer", help="샘플 둘러보기: 직원을 골라 그 사람의 화면을 봅니다 (읽기 전용)."
    )
    st.session_state["user"] = sample_user(str(code), me)
    st.caption(
        ":material/visibility: 샘플 둘러보기는 읽기 전용입니다: 저장·인계 같은 기록은 직원 계정으로 로그인해서 합니다."
    )
    return me


def thumb_uris(store: Store, code: str) -> dict[int, str]:
    """First photo thumbnail of each report of the dong, as a data URI for map popups."""
    photos = store.report_photos(code=code).drop_duplicates("report_id")
    out = {}
    for report_id, path in zip(photos["report_id"], photos["thumb_path"], strict=True):
        if path.exists():
            out[int(report_id)] = "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()
    return out


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# GFM's autolink literals (remark-gfm) link a bare URL, www. address or e-mail *after* escapes are read, so an
# escaped "https\://…" is still linked: an invisible word joiner after the scheme, "www" or "@" stops it
_AUTOLINKS = re.compile(  # only where GFM would link: a scheme, "www." or "@" followed by an (ASCII) domain
    r"(?i)(?<![a-z0-9])(?:https?|ftp)(?=://[a-z0-9_-])|(?<![a-z0-9_.-])www(?=\.[a-z0-9_-])|(?<=[a-z0-9_.+-])@(?=[a-z0-9_-])"
)
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """User text made inert for Streamlit Markdown (labels, captions): no links, images or HTML.

    Markdown's own characters are escaped, and a bare URL, ``www.`` address or e-mail address gets an invisible
    word joiner (U+2060) so that it stays text instead of becoming a link.
    """
    plain = _AUTOLINKS.sub(lambda m: m.group(0) + WORD_JOINER, str(text if text is not None else ""))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain)


def show_refusal(err: object) -> None:
    """A refusal as the person should read it: the store's Korean message, Markdown-escaped, one problem a line."""
    st.error(md(err).replace("\n", "  \n"))  # the message may quote names and what was typed


def saved(what: str) -> str:
    """The usual success message for :func:`act`: ``"<what>: 저장했습니다."`` (Markdown, ``what`` escaped)."""
    return f"{md(what)}: 저장했습니다."


def submission_key(name: str) -> str:
    """The key of form ``name``'s current submission: minted when the form is first drawn, kept in the session.

    The store takes it as ``client_key`` (e.g. :meth:`mapping.store.Store.file_report`): a second tap on the
    submit button, or a run interrupted by it, then stores the report once.  The form's widgets carry it in
    their keys, so they keep what was typed until :func:`act` forgets ``name`` after a confirmed save; the next
    run then mints a new key and draws fresh, empty widgets, and a late second tap on the old button is dropped.
    """
    key = st.session_state.get(name)
    if not isinstance(key, str):
        key = st.session_state[name] = uuid.uuid4().hex
    return key


def act(
    box: str,
    done: str | Callable[[T], str] | None,
    change: Callable[[], T],
    *,
    forget: Iterable[str] = (),
    keep: Mapping[str, object] | None = None,
) -> bool:
    """Run a store change the one way every page does (issue 18); :func:`show_kept` shows what it kept.

    - Someone else changed it first (:class:`~mapping.errors.ConflictError`): keep the message under ``box``,
      forget the ``forget`` keys and rerun, so the page shows their change with the message above it.
    - Any other refusal (role, dong, read-only sample, a bad value: ``MappingError``, ``PermissionError``):
      shown here and now (:func:`show_refusal`); what was typed stays, and ``act`` returns False.
    - Success: forget the ``forget`` keys (a form's :func:`submission_key` among them: its next submission is a
      new one) and set the ``keep`` ones (e.g. which report to keep in view); with a ``done`` message keep it
      under ``box`` and rerun, so the page shows the change and :func:`show_kept` confirms it where the eye is
      (a toast) and in place.  ``done`` is Markdown (escape stored or typed text with :func:`md`; :func:`saved`
      makes the usual one), or a function of the change's result that gives it.  With ``done=None`` there is
      no rerun: ``act`` returns True and the caller shows what was made in this run (e.g. a download).

    Parameters
    ----------
    box : str
        Where the message is kept (session keys ``<box>_error`` and ``<box>_done``).
    done : str, callable or None
        The success message, a function of the change's result giving it, or None (no rerun).
    change : callable
        The store call, with its arguments bound.
    forget : iterable of str
        Session keys to drop after a success or a conflict (widgets to empty, versions to read again).
    keep : mapping, optional
        Session values to set after a success or a conflict (what the next run should keep in view).
    """
    try:
        result = change()
    except ConflictError as err:
        st.session_state[f"{box}_error"] = str(err)
    except (MappingError, PermissionError) as err:
        show_refusal(err)
        return False
    else:
        if done is None:
            _forget(forget)
            st.session_state.update(keep or {})
            return True
        st.session_state[f"{box}_done"] = done if isinstance(done, str) else done(result)
    _forget(forget)
    st.session_state.update(keep or {})
    st.rerun()


def _forget(keys: Iterable[str]) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def show_kept(box: str) -> None:
    """The message :func:`act` kept under ``box`` before its rerun: a conflict as an error, or what was done.

    Each is also a toast, seen wherever the page is scrolled (on a phone the place of ``show_kept`` is often
    above the fold).  The place holds one slot whether or not there is a message, so the elements below it keep
    their places across the rerun (an open tab or expander stays open).
    """
    slot = st.empty()
    error = st.session_state.pop(f"{box}_error", None)
    done = st.session_state.pop(f"{box}_done", None)
    if error is None and done is None:
        return
    with slot.container():
        if error is not None:
            st.toast(md(error), icon=":material/error:", duration="long")
            show_refusal(error)
        if done is not None:
            st.toast(done, icon=":material/check_circle:", duration="long")
            st.success(done)


_ELEMENT_KEY = re.compile(r"[A-Za-z0-9_-]+")


def scroll_to(key: str) -> None:
    """Bring the element keyed ``key`` (its ``st-key-…`` class) into view once this run is drawn.

    For the run after a change (:func:`act`): on a phone the page may have grown shorter under the thumb (a report
    that moved on shows less), and the browser then leaves the view further down, away from what was changed.
    Call it last on the page, so that no element after it moves.
    """
    if not _ELEMENT_KEY.fullmatch(key):
        raise ValueError(f"scroll_to: key {key!r} must be letters, digits, '_' or '-' (it becomes a CSS class).")
    target = f".st-key-{key}"
    st.html(
        f"<script>setTimeout(() => document.querySelector('{target}')?.scrollIntoView({{block: 'center'}}), 250)"
        "</script>",
        unsafe_allow_javascript=True,
    )


def file_bytes(write: Callable[[Path], object], suffix: str) -> Callable[[], bytes]:
    """For a download button: a callable returning what ``write(path)`` writes, run only when clicked."""

    def run() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"out{suffix}"
            write(path)
            return path.read_bytes()

    return run
