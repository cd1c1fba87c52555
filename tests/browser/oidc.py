"""A tiny OpenID Connect provider on 127.0.0.1 for the single-sign-on browser tests (no network).

It has one person and approves them at once, but otherwise behaves as ``st.login`` (Authlib's Starlette
client) expects of a real provider: a discovery document, an authorization endpoint that redirects back
with a one-time code (checking the client, the redirect URI and PKCE), a token endpoint that checks the
client secret and the code verifier and returns an RS256-signed id_token carrying the nonce, the JWKS to
verify it, and an end-session endpoint (RP-initiated logout) that returns to the app.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt  # Authlib's JOSE library (a dependency of Authlib)
from joserfc.jwk import RSAKey

CLIENT_ID = "udongju-test"
CLIENT_SECRET = "not-a-real-secret-" + "x" * 16


class FakeOIDC:
    """Serve the provider until :meth:`stop`; ``issuer`` is its URL, ``events`` what it was asked."""

    def __init__(self, *, email: str, name: str, redirect_uri: str) -> None:
        self.email, self.name, self.redirect_uri = email, name, redirect_uri
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.codes: dict[str, dict] = {}
        self.events: list[str] = []  # "authorize", "token", "jwks", "logout", in order
        self.errors: list[str] = []  # every request refused, with why
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                provider._get(self)

            def do_POST(self) -> None:
                provider._post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- endpoints -------------------------------------------------------------------------------------------

    def _metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def _get(self, req: BaseHTTPRequestHandler) -> None:
        url = urlparse(req.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._json(req, self._metadata())
        elif url.path == "/jwks":
            self.events.append("jwks")
            self._json(req, {"keys": [self.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            self._authorize(req, query)
        elif url.path == "/logout":
            self.events.append("logout")
            back = query.get("post_logout_redirect_uri", "")
            if query.get("client_id") != CLIENT_ID or back != self.redirect_uri:
                return self._refuse(req, f"logout: unknown client or return address {query}")
            self._redirect(req, back)
        else:
            self._refuse(req, f"GET {url.path}", status=404)

    def _authorize(self, req: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        self.events.append("authorize")
        wanted = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": self.redirect_uri}
        wrong = {k: query.get(k) for k, v in wanted.items() if query.get(k) != v}
        if wrong or "openid" not in query.get("scope", "").split() or not query.get("state"):
            return self._refuse(req, f"authorize: {wrong or query}")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return self._refuse(req, "authorize: PKCE (S256) expected, the discovery document offers it")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": query.get("nonce"), "challenge": query["code_challenge"]}
        self._redirect(req, f"{self.redirect_uri}?{urlencode({'code': code, 'state': query['state']})}")

    def _post(self, req: BaseHTTPRequestHandler) -> None:
        if urlparse(req.path).path != "/token":
            return self._refuse(req, f"POST {req.path}", status=404)
        self.events.append("token")
        length = int(req.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(req.rfile.read(length).decode()).items()}
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        posted = (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
        if req.headers.get("Authorization") != f"Basic {basic}" and not posted:
            return self._refuse(req, "token: bad client credentials", status=401)
        grant = self.codes.pop(form.get("code", ""), None)  # one use only
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self._refuse(req, f"token: bad grant {form.get('grant_type')} or unknown code")
        if form.get("redirect_uri") != self.redirect_uri:
            return self._refuse(req, f"token: redirect_uri {form.get('redirect_uri')}")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return self._refuse(req, "token: PKCE code_verifier does not match")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "person-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "email": self.email,
            "email_verified": True,
            "name": self.name,
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        access = secrets.token_urlsafe(16)
        self._json(req, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

    # ---- plumbing --------------------------------------------------------------------------------------------

    def _json(self, req: BaseHTTPRequestHandler, body: dict) -> None:
        data = json.dumps(body).encode()
        req.send_response(200)
        req.send_header("Content-Type", "application/json")
        req.send_header("Cache-Control", "no-store")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _redirect(self, req: BaseHTTPRequestHandler, location: str) -> None:
        req.send_response(302)
        req.send_header("Location", location)
        req.send_header("Content-Length", "0")
        req.end_headers()

    def _refuse(self, req: BaseHTTPRequestHandler, why: str, *, status: int = 400) -> None:
        self.errors.append(why)
        data = why.encode()
        req.send_response(status)
        req.send_header("Content-Type", "text/plain; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)
