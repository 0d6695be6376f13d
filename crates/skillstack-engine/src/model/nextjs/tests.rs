use super::*;

/// Writes a small app to a temp dir: (relative path, source) pairs.
fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, NextApp) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, src) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, src).expect("write");
    }
    let root = crate::paths::absolute(dir.path()).expect("abs");
    let app = NextApp::build(&root, Duration::from_secs(5));
    (dir, app)
}

/// The entry points running the first occurrence of `needle` in `rel`.
fn entry_points(app: &NextApp, rel: &str, needle: &str) -> Vec<EntryPoint> {
    let file = app.root.join(rel);
    let src = std::fs::read_to_string(&file).expect("read");
    let lang = Lang::from_path(&file).expect("lang");
    let tree = crate::analyze::parse(lang, &src, Duration::from_secs(5)).expect("parse");
    let at = src.find(needle).expect("needle");
    let node = tree
        .root_node()
        .descendant_for_byte_range(at, at + needle.len())
        .expect("node");
    app.entry_points_at(&file, node, &src)
}

/// (name, authenticated, authorized) of those entry points.
fn eps(app: &NextApp, rel: &str, needle: &str) -> Vec<(String, bool, bool)> {
    entry_points(app, rel, needle)
        .into_iter()
        .map(|e| (e.name, e.authenticated, e.authorized))
        .collect()
}

/// Is the code at `needle` run by an entry point authenticated some other way (middleware)?
fn upstream(app: &NextApp, rel: &str, needle: &str) -> bool {
    entry_points(app, rel, needle)
        .iter()
        .any(|e| e.authenticated_otherwise)
}

const TSCONFIG: &str = r#"{
  // comments are allowed
  "compilerOptions": { "paths": { "@/*": ["./*"] }, },
}"#;

const AUTH: &str = r#"
import { auth } from "./next-auth";
import { redirect } from "next/navigation";
export async function requireUser() {
  const session = await auth();
  if (!session) redirect("/login");
  return session.user;
}
export async function loadDoc(id: string) {
  return db.document.findUnique({ where: { id } });
}
"#;

const WORKSPACE: &str = r#"
import { getSession } from "./session";
export const withWorkspace = (handler) => async (req, ctx) => {
  const session = await getSession();
  const workspace = await prisma.project.findFirst({ where: { id: ctx.params.slug, users: { some: { userId: session.user.id } } } });
  return handler({ req, params: ctx.params, workspace });
};
"#;

#[test]
fn route_handlers_and_their_guards() {
    let (_d, app) = app(&[
        ("tsconfig.json", TSCONFIG),
        ("lib/auth.ts", AUTH),
        ("lib/workspace.ts", WORKSPACE),
        (
            "app/api/docs/[id]/route.ts",
            r#"
import { requireUser as needUser } from "@/lib/auth";
import { withWorkspace } from "../../../../lib/workspace";
export async function GET(req, { params }) {
  await needUser();
  const doc = await load(params.id);
  return Response.json(doc);
}
async function load(id) { return db.document.findUnique({ where: { id } }); }
export async function POST(req) { const body = await req.json(); return db.document.create({ data: body }); }
export const DELETE = withWorkspace(async ({ params }) => db.document.delete({ where: { id: params.id } }));
const handler = async (req) => { if (doc.userId !== session.user.id) return new Response(null, { status: 403 }); };
export { handler as PUT };
"#,
        ),
    ]);
    let rel = "app/api/docs/[id]/route.ts";
    assert_eq!(
        eps(&app, rel, "Response.json(doc)"),
        vec![("GET /api/docs/[id]".into(), true, false)]
    );
    // A same-file helper runs in the handler that calls it.
    assert_eq!(
        eps(&app, rel, "db.document.findUnique"),
        vec![("GET /api/docs/[id]".into(), true, false)]
    );
    assert_eq!(
        eps(&app, rel, "db.document.create"),
        vec![("POST /api/docs/[id]".into(), false, false)]
    );
    // The wrapper's own module shows both a session lookup and a membership query.
    assert_eq!(
        eps(&app, rel, "db.document.delete"),
        vec![("DELETE /api/docs/[id]".into(), true, true)]
    );
    assert_eq!(
        eps(&app, rel, "status: 403"),
        vec![("PUT /api/docs/[id]".into(), false, true)]
    );
}

#[test]
fn server_actions_pages_api_and_middleware() {
    let (_d, app) = app(&[
        ("tsconfig.json", TSCONFIG),
        ("lib/auth.ts", AUTH),
        (
            "middleware.ts",
            "import { auth } from './lib/next-auth';\nexport default auth((req) => { if (!req.auth) return Response.redirect('/login') });\nexport const config = { matcher: ['/dashboard/:path*'] };\n",
        ),
        (
            "src/app/(app)/projects/actions.ts",
            r#""use server";
import { requireUser } from "@/lib/auth";
export async function rename(id: string, name: string) {
  await requireUser();
  return db.project.update({ where: { id }, data: { name } });
}
export async function remove(id: string) {
  return db.project.delete({ where: { id } });
}
"#,
        ),
        (
            "app/dashboard/[id]/page.tsx",
            "export default async function Page({ params }) { const d = await db.document.findUnique({ where: { id: params.id } }); return d.title; }\n",
        ),
        (
            "app/share/[id]/page.tsx",
            "export default async function Page({ params }) {\n  async function save() { 'use server'; await db.note.create({}); }\n  return db.document.findUnique({ where: { id: params.id } });\n}\n",
        ),
        (
            "pages/api/hello.ts",
            "export default function handler(req, res) { res.json(db.user.findMany()); }\n",
        ),
        ("lib/util.ts", "export function slug(x) { return x.toLowerCase(); }\n"),
    ]);
    assert_eq!(
        eps(
            &app,
            "src/app/(app)/projects/actions.ts",
            "db.project.update"
        ),
        vec![("server action rename".into(), true, false)]
    );
    assert_eq!(
        eps(
            &app,
            "src/app/(app)/projects/actions.ts",
            "db.project.delete"
        ),
        vec![("server action remove".into(), false, false)]
    );
    // Covered by the middleware's matcher: authenticated upstream only.
    assert_eq!(
        eps(&app, "app/dashboard/[id]/page.tsx", "db.document"),
        vec![("page /dashboard/[id]".into(), false, false)]
    );
    assert!(upstream(&app, "app/dashboard/[id]/page.tsx", "db.document"));
    assert!(!upstream(&app, "app/share/[id]/page.tsx", "db.document"));
    assert_eq!(
        eps(&app, "app/share/[id]/page.tsx", "db.document"),
        vec![("page /share/[id]".into(), false, false)]
    );
    assert_eq!(
        eps(&app, "app/share/[id]/page.tsx", "db.note.create"),
        vec![("server action save".into(), false, false)]
    );
    assert_eq!(
        eps(&app, "pages/api/hello.ts", "db.user"),
        vec![("API route /api/hello".into(), false, false)]
    );
    assert!(eps(&app, "lib/util.ts", "toLowerCase").is_empty());
}

#[test]
fn prisma_models_with_and_without_owners() {
    let (_d, app) = app(&[(
        "prisma/schema.prisma",
        "model Document {\n id String @id\n userId String\n}\nmodel Plan {\n id String @id\n name String\n}\nmodel TeamMember {\n teamId String\n}\n",
    )]);
    assert!(!app.is_public_model("document"));
    assert!(app.is_public_model("plan"));
    assert!(!app.is_public_model("teamMember"));
    assert!(!app.is_public_model("unknown"));
}

/// Does middleware alone guard the code at `needle`?
fn middleware_only(app: &NextApp, rel: &str, needle: &str) -> bool {
    let file = app.root.join(rel);
    let src = std::fs::read_to_string(&file).expect("read");
    let lang = Lang::from_path(&file).expect("lang");
    let tree = crate::analyze::parse(lang, &src, Duration::from_secs(5)).expect("parse");
    let at = src.find(needle).expect("needle");
    let node = tree
        .root_node()
        .descendant_for_byte_range(at, at + needle.len())
        .expect("node");
    app.middleware_only_at(&file, node, &src)
}

#[test]
fn handlers_that_rely_on_middleware_alone() {
    let files = [
        ("tsconfig.json", TSCONFIG),
        ("lib/auth.ts", AUTH),
        (
            "middleware.ts",
            "import { auth } from './lib/next-auth';\nexport default auth((req) => { if (!req.auth) return Response.redirect('/login') });\nexport const config = { matcher: ['/((?!_next/static|favicon.ico).*)'] };\n",
        ),
        (
            "app/api/docs/route.ts",
            "import { requireUser } from '@/lib/auth';\nexport async function GET() { return Response.json(await db.document.findMany()); }\nexport async function POST(req) { await requireUser(); return Response.json(await db.document.create({ data: {} })); }\n",
        ),
        (
            "app/api/cron/route.ts",
            "export async function POST(req) { if (req.headers.get('authorization') !== process.env.CRON_SECRET) return new Response(null, { status: 401 }); await db.session.deleteMany({}); }\n",
        ),
        (
            "pages/api/notes.ts",
            "export default async function handler(req, res) { res.json(await db.note.findMany()); }\n",
        ),
        (
            "app/dashboard/actions.ts",
            "'use server';\nexport async function archive(id) { await db.project.update({ where: { id }, data: {} }); }\n",
        ),
        (
            "app/dashboard/page.tsx",
            "export default async function Page() { return db.project.findMany(); }\n",
        ),
        ("package.json", r#"{ "dependencies": { "next": "^14.2.3", "next-auth": "5.0.0" } }"#),
    ];
    let (_d, a) = app(&files);
    assert!(middleware_only(
        &a,
        "app/api/docs/route.ts",
        "db.document.findMany"
    ));
    // Its own session check, a machine secret: not middleware alone.
    assert!(!middleware_only(
        &a,
        "app/api/docs/route.ts",
        "db.document.create"
    ));
    assert!(!middleware_only(&a, "app/api/cron/route.ts", "db.session"));
    assert!(middleware_only(&a, "pages/api/notes.ts", "db.note"));
    assert!(middleware_only(
        &a,
        "app/dashboard/actions.ts",
        "db.project"
    ));
    // Pages are not reported (a layout may check the session, and it is not modelled).
    assert!(!middleware_only(&a, "app/dashboard/page.tsx", "db.project"));
    assert_eq!(a.next_version, Some((14, 2, 3)));
    assert!(a.middleware_bypassable());

    // A patched `next`; a matcher that leaves `/api` out; no middleware.
    let mut patched = files;
    patched[8].1 = r#"{ "dependencies": { "next": "14.2.25" } }"#;
    patched[2].1 = "import { auth } from './lib/next-auth';\nexport default auth((req) => {});\nexport const config = { matcher: ['/dashboard/:path*', '/settings/:path*'] };\n";
    let (_d, a) = app(&patched);
    assert!(!a.middleware_bypassable());
    assert!(!middleware_only(
        &a,
        "app/api/docs/route.ts",
        "db.document.findMany"
    ));
    assert!(middleware_only(
        &a,
        "app/dashboard/actions.ts",
        "db.project"
    ));
    // Middleware that picks the paths it guards in code: its matcher says nothing.
    let mut conditional = files;
    conditional[2].1 = "import { auth } from './lib/next-auth';\nexport default auth((req) => { if (req.nextUrl.pathname.startsWith('/dashboard') && !req.auth) return Response.redirect('/login'); });\n";
    let (_d, a) = app(&conditional);
    assert!(a
        .middleware
        .as_ref()
        .is_some_and(|m| m.authenticates && m.conditional));
    assert!(upstream(
        &a,
        "app/api/docs/route.ts",
        "db.document.findMany"
    ));
    assert!(!middleware_only(
        &a,
        "app/api/docs/route.ts",
        "db.document.findMany"
    ));
    // Clerk's route matcher is read: it protects /api(.*) but not /dashboard.
    conditional[2].1 = "import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';\nconst isProtected = createRouteMatcher(['/api(.*)']);\nexport default clerkMiddleware(async (auth, req) => { if (isProtected(req)) await auth.protect(); });\n";
    let (_d, a) = app(&conditional);
    assert!(a
        .middleware
        .as_ref()
        .is_some_and(|m| m.authenticates && !m.conditional));
    assert!(middleware_only(
        &a,
        "app/api/docs/route.ts",
        "db.document.findMany"
    ));
    assert!(!middleware_only(
        &a,
        "app/dashboard/actions.ts",
        "db.project"
    ));
    let (_d, a) = app(&[files[3], files[8]]);
    assert!(!a.middleware_bypassable());
    assert!(!middleware_only(
        &a,
        "app/api/docs/route.ts",
        "db.document.findMany"
    ));
}

#[test]
fn drizzle_tables_with_and_without_owners() {
    let schema = r#"
import { pgTable, text, uuid } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: uuid("id").primaryKey() });
export const documents = pgTable("documents", { id: uuid("id"), ownerRef: uuid("owner").references(() => users.id) });
export const documentShares = pgTable("document_shares", { id: uuid("id"), teamId: uuid("team_id") });
export const plans = pgTable("plans", { id: uuid("id"), name: text("name") });
"#;
    // Found through drizzle.config's `schema:`.
    let (_d, a) = app(&[
        (
            "drizzle.config.ts",
            "export default { schema: './src/server/tables/*.ts', dialect: 'postgresql' };",
        ),
        ("src/server/tables/all.ts", schema),
    ]);
    assert!(!a.is_public_model("documents"));
    assert!(!a.is_public_model("schema.documentShares"));
    assert!(!a.is_public_model("document_shares"));
    assert!(a.is_public_model("plans"));
    assert!(!a.is_public_model("unknown"));
    let inputs = crate::model::inputs(&a.root, crate::detect::Framework::NextJs);
    for f in ["drizzle.config.ts", "src/server/tables/all.ts"] {
        assert!(inputs.contains(&a.root.join(f)), "{f} is a cache input");
    }
    // Found in a usual place, next to a Prisma schema.
    let (_d, a) = app(&[
        ("src/db/schema.ts", schema),
        ("prisma/schema.prisma", "model Tag {\n id String\n}\n"),
    ]);
    assert!(a.is_public_model("plans"));
    assert!(a.is_public_model("tag"));
    assert!(!a.is_public_model("documents"));
    // Elsewhere, without a config naming it: not read.
    let (_d, a) = app(&[("src/models/tables.ts", schema)]);
    assert!(a.schema.is_none());
}

#[test]
fn trpc_procedures() {
    let (_d, app) = app(&[(
        "server/api/routers/doc.ts",
        r#"
import { createTRPCRouter, protectedProcedure, publicProcedure } from "../trpc";
export const docRouter = createTRPCRouter({
  byId: protectedProcedure.input(z.object({ id: z.string() })).query(async ({ ctx, input }) => {
    return ctx.db.document.findUnique({ where: { id: input.id } });
  }),
  share: publicProcedure.input(z.string()).query(({ ctx, input }) => ctx.db.share.findFirst({ where: { slug: input } })),
  remove: protectedProcedure.mutation(async ({ ctx, input }) => {
    if (doc.ownerId !== ctx.session.user.id) throw new TRPCError({ code: "FORBIDDEN" });
  }),
});
"#,
    )]);
    let rel = "server/api/routers/doc.ts";
    assert_eq!(
        eps(&app, rel, "ctx.db.document"),
        vec![("tRPC procedure byId".into(), true, false)]
    );
    assert_eq!(
        eps(&app, rel, "ctx.db.share"),
        vec![("tRPC procedure share".into(), false, false)]
    );
    assert_eq!(
        eps(&app, rel, "doc.ownerId"),
        vec![("tRPC procedure remove".into(), true, true)]
    );
}
