//! The text patterns that count as authentication and authorization evidence in Next.js code,
//! and the names of helpers that, when they cannot be read (a package, an unresolved import),
//! are trusted by name.
//!
//! Authentication: Auth.js / NextAuth (`auth()`, `getServerSession`), Clerk (`auth()`,
//! `currentUser`, `auth.protect()`), Supabase (`auth.getUser`, `getClaims`), better-auth
//! (`auth.api.getSession`), Lucia (`validateRequest`), iron-session (`getIronSession`), Kinde,
//! next-auth JWT (`getToken`), common project helpers (`requireUser`, `getCurrentUser`,
//! `verifySession`, …). Machine callers prove themselves differently: a shared secret
//! (`CRON_SECRET`, an `authorization` header), a signature (webhooks, queues), an API key.
//!
//! Authorization: a permission call (`authorize`, `can`, `checkPermission`, `requireRole`,
//! `assertCanAccess…`), a 403 answer, an ownership comparison (`doc.userId !== session.user.id`,
//! `link.projectId === workspace.id`), or a query scoped by the signed-in user (a membership
//! lookup: `userId: session.user.id`, `members: { some: … }`).

use regex::Regex;

use super::module::lazy;

/// Authentication evidence in a function's text.
pub fn authn_text() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        concat!(
            r"\b(?:auth|getServerSession|getServerAuthSession|unstable_getServerSession|currentUser|",
            r"getCurrentUser|getAuth|validateRequest|getIronSession|getKindeServerSession|getToken|",
            r"getSession|getUserSession|getServerUser|verifySession|getAuthSession|getAuthUser|",
            r"getAuthenticatedUser|getLoggedInUser|getSessionUser|requireAuth\w*|requireUser|",
            r"requireSession|requireSignedIn|requireLogin|requireCurrentUser|ensureAuth\w*|",
            r"ensureUser|ensureSignedIn|withAuth\w*|authenticate\w*|checkAuth\w*|isAuthenticated|",
            r"getUserOrThrow|assertAuthenticated|verifyToken|verifyJwt|jwtVerify|getClaims)\s*(?:<[^()]*?>\s*)?\(",
            r"|\bgetUser\(\s*\)",
            r"|\bauth\s*\(\s*\)\s*\.\s*protect\b|\bauth\.(?:protect|getUser|getSession|getClaims|api\.getSession)\b",
            r"|\b(?:verify|validate|check)\w*Session\w*\s*\(",
        ),
    )
}

/// Evidence that the caller is a machine proving itself with a shared secret or a signature
/// (a cron job, a queue, a webhook, an API key) rather than a signed-in user.
pub fn machine_text() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        concat!(
            r"\bCRON_SECRET\b|\bverifySignature\b|\bconstructEvent(?:Async)?\b|\btimingSafeEqual\b",
            r#"|headers\.get\(\s*["'](?i:authorization|x-api-key)["']"#,
            r"|\b(?:verify|validate|check)\w*(?:Token|ApiKey|Key|Signature|Secret)\w*\s*\(",
            // A record looked up by a secret the caller presents (an API key, an OTP, a token).
            r"|\bwhere\s*:\s*\{[^}]{0,200}?\b\w*(?:token|Token|otp|Otp|OTP|secret|Secret|apiKey|ApiKey|keyHash|KeyHash|hashedKey|HashedKey)\w*\s*[:,}]",
        ),
    )
}

/// Authorization evidence in a function's text.
pub fn authz_text() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        concat!(
            // A permission call.
            r"\b(?:authorize\w*|can|cannot|checkPermission\w*|hasPermission\w*|hasRole|hasAccess\w*|",
            r"requireRole\w*|requirePermission\w*|requireAdmin\w*|requireOwner\w*|requireMember\w*|",
            r"requireAccess\w*|requireTeam\w*|requireOrg\w*|requireWorkspace\w*|isAdmin|isOwner|isMember|",
            r"(?:assert|ensure|verify|check|validate|throwIf|throwUnless)\w*(?:Access|Permission|Owner|Owns|Ownership|Member|Membership|Role|Admin)\w*",
            r"|\w*(?:Authori[sz]ed|Permission|Ownership|Membership|Owns)\w*)\s*\(",
            // A 403 answer.
            r#"|\bstatus\s*:\s*403\b|\.status\(\s*403\b|\bforbidden\s*\(|\bcode\s*:\s*["']forbidden["']|\bFORBIDDEN\b"#,
            // An ownership comparison, either way round.
            r"|\.(?:userId|ownerId|authorId|creatorId|createdById|createdBy|orgId|organizationId|teamId|workspaceId|tenantId|accountId|projectId|user_id|owner_id|org_id|team_id|workspace_id|tenant_id|account_id)\s*[!=]==?",
            r"|[!=]==?\s*[\w?.]*\.(?:userId|ownerId|authorId|creatorId|createdById|orgId|organizationId|teamId|workspaceId|tenantId|accountId|user_id|owner_id)\b",
            r"|\b(?:session|user|currentUser|me|viewer|workspace|org|organization|team|tenant|account)\??\.(?:user\??\.)?id\s*[!=]==?",
            // A query scoped by the signed-in user (a membership lookup).
            r"|\b(?:userId|ownerId|memberId|user_id|owner_id)\s*:\s*[^,}\n]*\b(?:session|user|currentUser|me|viewer|auth|ctx)\b",
            r"|\b(?:members|memberships|users|collaborators|teamMembers|userRoles)\s*:\s*\{\s*some\b",
            // A Prisma compound key with the user in it: `userId_teamId: { userId, teamId }`.
            r"|\buserId_\w+\s*:",
        ),
    )
}

/// An unreadable helper trusted by its name to authenticate (`requireUser`, `withSession`).
pub fn authn_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(?:\w+\.)?(?:auth|getServerSession|currentUser|getCurrentUser|validateRequest|getSession|getUserSession|verifySession|require(?:Auth|User|Session|SignedIn|Login|CurrentUser)\w*|ensure(?:Auth|User|SignedIn)\w*|with\w*(?:Auth|Session|User|Workspace|Team|Org|Organization|Admin|Protected|Account|Tenant|Project)\w*|authenticated?\w*|protected\w*)$",
    )
}

/// An unreadable helper trusted by its name to authenticate a machine caller.
pub fn machine_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(?:\w+\.)?(?:with|verify|validate|check|require)\w*(?:Token|ApiKey|Key|Secret|Signature|Cron|Qstash|Webhook)\w*$",
    )
}

/// An unreadable helper trusted by its name to authorize.
pub fn authz_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(?:\w+\.)?(?:can|\w*(?:authori[sz]|permission|owns|owner|membership|member|role|access|admin|policy|guard|allowed)\w*|with(?:Workspace|Team|Org|Organization|Project)\w*)$",
    )
}

/// Middleware code that chooses which paths or hosts it guards: Clerk's `createRouteMatcher`, a
/// `isProtectedRoute(…)`-style test, a path or host comparison, a list of public or protected
/// routes.
pub fn path_condition() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        concat!(
            r"\bcreateRouteMatcher\b|\bis\w*(?:Protected|Public|Auth|Private|Ignored|Admin|App)\w*(?:Route|Path|Page|Host|Hostname|Domain)s?\s*\(",
            r"|\b(?:path|pathname|url|href|host|hostname|domain)\s*\.\s*(?:startsWith|endsWith|includes|match|test)\s*\(",
            r"|\b(?:path|pathname|host|hostname|domain)\s*[!=]==?",
            r"|\b(?:PUBLIC|PROTECTED|PRIVATE|AUTH|UNAUTHENTICATED|OPEN)_\w*(?:PATHS|ROUTES|PAGES)\b|\b(?:public|protected|private)(?:Routes|Paths|Pages)\b",
        ),
    )
}

/// Clerk's way of choosing protected paths: `const isProtected = createRouteMatcher(["/a(.*)"])`
/// and `if (isProtected(req)) await auth.protect()` — or `if (!isPublic(req))`, protecting every
/// path but those. Returns the matcher's name, whether the list is an exception list, and its
/// patterns; `None` when the middleware does not have exactly this shape.
pub fn clerk_protected_routes(text: &str) -> Option<(String, bool, Vec<String>)> {
    static DEF: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    static STR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let def = lazy(
        &DEF,
        r"(?s)\b(?:const|let|var)\s+(\w+)\s*=\s*createRouteMatcher\(\s*\[(.*?)\]\s*\)",
    );
    let strings = lazy(&STR, r#""([^"]*)"|'([^']*)'"#);
    let mut found = None;
    for c in def.captures_iter(text) {
        let (Some(name), Some(list)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let name = name.as_str();
        let patterns: Vec<String> = strings
            .captures_iter(list.as_str())
            .filter_map(|s| s.get(1).or(s.get(2)))
            .map(|m| m.as_str().to_string())
            .collect();
        // The protecting branch: `if (name(req)) … auth.protect()`, or `if (!name(req))`.
        let guard = Regex::new(&format!(
            r"(?s)\bif\s*\(\s*(!?)\s*{}\s*\(\s*\w+\s*\)\s*\)\s*\{{?[^}}]{{0,200}}?\.protect\s*\(",
            regex::escape(name)
        ))
        .ok()?;
        if let Some(g) = guard.captures(text) {
            if found.is_some() {
                // Two protecting matchers: too clever to read.
                return None;
            }
            let except = g.get(1).is_some_and(|m| !m.as_str().is_empty());
            found = Some((name.to_string(), except, patterns));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_evidence() {
        for yes in [
            "const session = await auth();",
            "const s = await getServerSession(authOptions)",
            "const { userId } = auth(); await auth().protect()",
            "const { data } = await supabase.auth.getUser()",
            "await auth.api.getSession({ headers: await headers() })",
            "const user = await getUser()",
            "const user = await requireUser();",
            "const session = await getIronSession<{ userId?: string }>(req, res, options);",
        ] {
            assert!(authn_text().is_match(yes), "{yes}");
        }
        for no in [
            "const user = await getUser(id)",
            "const author = await db.user.findUnique({ where: { id } })",
            "// authenticate later",
            "const oauth = 1",
        ] {
            assert!(!authn_text().is_match(no), "{no}");
        }
    }

    #[test]
    fn machine_evidence() {
        for yes in [
            "if (req.headers.get('authorization') !== `Bearer ${process.env.CRON_SECRET}`)",
            "await verifyQstashSignature({ req, rawBody })",
            "stripe.webhooks.constructEvent(body, sig, secret)",
            "await prisma.verificationToken.findUnique({ where: { token: code } })",
        ] {
            assert!(machine_text().is_match(yes), "{yes}");
            assert!(!authn_text().is_match(yes), "{yes}");
        }
    }

    #[test]
    fn authorization_evidence() {
        for yes in [
            "if (doc.userId !== session.user.id) return new Response(null, { status: 403 })",
            "if (link.projectId !== workspace.id) throw new Error()",
            "await authorize(user, 'edit', doc)",
            "return NextResponse.json({ error: 'Forbidden' }, { status: 403 })",
            "await db.member.findFirst({ where: { userId: session.user.id, orgId } })",
            "where: { id, members: { some: { userId } } }",
            "await assertCanAccessDocument(user, id)",
            "await checkUserOwnsEmailAccount({ emailAccountId })",
            "prisma.userTeam.findUnique({ where: { userId_teamId: { userId, teamId } } })",
            "if (session.user.id !== params.userId) notFound()",
        ] {
            assert!(authz_text().is_match(yes), "{yes}");
        }
        for no in [
            "if (!doc) return NextResponse.json({ error: 'Not found' }, { status: 404 })",
            "const doc = await db.document.findUnique({ where: { id } })",
            "return { status: 401 }",
            "const canvas = 1; scanner()",
        ] {
            assert!(!authz_text().is_match(no), "{no}");
        }
    }

    #[test]
    fn middleware_path_conditions() {
        for yes in [
            "const isProtected = createRouteMatcher(['/dashboard(.*)'])",
            "if (isAuthProtectedRoute(request.nextUrl.pathname) && !session)",
            "if (path.startsWith('/app')) return AppMiddleware(req)",
            "const isPublic = PUBLIC_PATHS.some((p) => pathname.startsWith(p));",
            "if (pathname === '/login') return;",
        ] {
            assert!(path_condition().is_match(yes), "{yes}");
        }
        for no in [
            "export default withAuth(function middleware() {})",
            "const token = await getToken({ req }); if (!token) return NextResponse.redirect(new URL('/login', req.url));",
        ] {
            assert!(!path_condition().is_match(no), "{no}");
        }
    }

    #[test]
    fn clerk_route_matchers() {
        let protect = "const isProtectedRoute = createRouteMatcher(['/dashboard(.*)', \"/api/projects(.*)\"]);\nexport default clerkMiddleware(async (auth, req) => {\n  if (isProtectedRoute(req)) await auth.protect();\n});";
        assert_eq!(
            clerk_protected_routes(protect),
            Some((
                "isProtectedRoute".into(),
                false,
                vec!["/dashboard(.*)".into(), "/api/projects(.*)".into()]
            ))
        );
        let public = "const isPublic = createRouteMatcher(['/sign-in(.*)']);\nexport default clerkMiddleware((auth, request) => { if (!isPublic(request)) { auth().protect(); } });";
        assert_eq!(
            clerk_protected_routes(public).map(|(_, except, _)| except),
            Some(true)
        );
        // Defined but used some other way: not read.
        assert_eq!(
            clerk_protected_routes("const isAdmin = createRouteMatcher(['/admin(.*)']);\nif (isAdmin(req) && !isAdminUser) return deny();"),
            None
        );
    }

    #[test]
    fn names() {
        for yes in [
            "requireUser",
            "withWorkspace",
            "auth",
            "getCurrentUser",
            "lib.requireAuth",
        ] {
            assert!(authn_name().is_match(yes), "{yes}");
        }
        for no in ["getDocument", "withCors", "handler", "authorName"] {
            assert!(!authn_name().is_match(no), "{no}");
        }
        assert!(authz_name().is_match("assertCanAccess"));
        assert!(authz_name().is_match("checkPermissions"));
        assert!(authz_name().is_match("throwIfNoPermission"));
        assert!(!authz_name().is_match("checkout"));
        assert!(authz_name().is_match("getAuthorizedOrganizationAdminMembership"));
        assert!(authz_name().is_match("checkUserOwnsEmailAccount"));
        assert!(machine_name().is_match("withReferralsEmbedToken"));
        assert!(machine_name().is_match("verifyVercelSignature"));
    }
}
