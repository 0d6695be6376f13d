//! The code the generator writes: one function per kind of file, each with an optional planted
//! gotcha that exactly one built-in rule reports at the default confidence.

use crate::Rng;

/// The kinds of generated file, with how often each is picked (weights out of 100).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    NextRoute,
    NextComponent,
    NextLib,
    RailsController,
    RailsModel,
    RailsService,
    LaravelController,
    LaravelModel,
}

impl Kind {
    const WEIGHTS: [(Kind, u64); 8] = [
        (Kind::NextRoute, 12),
        (Kind::NextComponent, 18),
        (Kind::NextLib, 10),
        (Kind::RailsController, 12),
        (Kind::RailsModel, 14),
        (Kind::RailsService, 9),
        (Kind::LaravelController, 13),
        (Kind::LaravelModel, 12),
    ];

    pub fn pick(rng: &mut Rng) -> Kind {
        let mut n = rng.below(100);
        for (k, w) in Kind::WEIGHTS {
            if n < w {
                return k;
            }
            n -= w;
        }
        Kind::NextLib
    }
}

/// One generated file.
pub struct File {
    pub path: String,
    pub body: String,
    /// The resource it is about (`invoice12`), for routes and the schema.
    pub resource: String,
    /// Findings planted in it.
    pub planted: usize,
}

const NOUNS: [&str; 24] = [
    "project",
    "invoice",
    "document",
    "team",
    "member",
    "comment",
    "task",
    "report",
    "payment",
    "customer",
    "order",
    "product",
    "ticket",
    "webhook",
    "workspace",
    "folder",
    "note",
    "event",
    "coupon",
    "plan",
    "export",
    "label",
    "review",
    "message",
];

fn pascal(s: &str) -> String {
    let mut out = String::new();
    for part in s.split('_') {
        let mut c = part.chars();
        if let Some(f) = c.next() {
            out.extend(f.to_uppercase());
            out.push_str(c.as_str());
        }
    }
    out
}

/// Fills `{r}` (snake resource), `{R}` (Pascal), `{rs}` (plural) and `{n}` (a number).
fn fill(t: &str, r: &str, n: u64) -> String {
    t.replace("{rs}", &format!("{r}s"))
        .replace("{R}", &pascal(r))
        .replace("{r}", r)
        .replace("{n}", &n.to_string())
}

pub fn file(kind: Kind, i: usize, plant: bool, rng: &mut Rng) -> File {
    let noun = NOUNS[i % NOUNS.len()];
    let r = format!("{noun}{}", i / NOUNS.len());
    let n = 10 + rng.below(90);
    // How many copies of the repeated middle section: files of varied, realistic length.
    let reps = 1 + rng.below(3) as usize;
    let (path, head, middle, tail, gotcha) = match kind {
        Kind::NextRoute => (
            format!("web/app/api/{r}/route.ts"),
            NEXT_ROUTE_HEAD,
            NEXT_ROUTE_MID,
            NEXT_ROUTE_TAIL,
            NEXT_ROUTE_PLANT,
        ),
        Kind::NextComponent => (
            format!("web/components/{}Card.tsx", pascal(&r)),
            NEXT_COMPONENT_HEAD,
            NEXT_COMPONENT_MID,
            NEXT_COMPONENT_TAIL,
            NEXT_COMPONENT_PLANT,
        ),
        Kind::NextLib => (
            format!("web/lib/{r}.ts"),
            NEXT_LIB_HEAD,
            NEXT_LIB_MID,
            "",
            NEXT_LIB_PLANT,
        ),
        Kind::RailsController => (
            format!("api/app/controllers/{r}s_controller.rb"),
            RAILS_CONTROLLER_HEAD,
            RAILS_CONTROLLER_MID,
            RAILS_CONTROLLER_TAIL,
            RAILS_CONTROLLER_PLANT,
        ),
        Kind::RailsModel => (
            format!("api/app/models/{r}.rb"),
            RAILS_MODEL_HEAD,
            RAILS_MODEL_MID,
            "end\n",
            RAILS_MODEL_PLANT,
        ),
        Kind::RailsService => (
            format!("api/app/services/{r}_service.rb"),
            RAILS_SERVICE_HEAD,
            RAILS_SERVICE_MID,
            "end\n",
            RAILS_SERVICE_PLANT,
        ),
        Kind::LaravelController => (
            format!("admin/app/Http/Controllers/{}Controller.php", pascal(&r)),
            LARAVEL_CONTROLLER_HEAD,
            LARAVEL_CONTROLLER_MID,
            "}\n",
            LARAVEL_CONTROLLER_PLANT,
        ),
        Kind::LaravelModel => (
            format!("admin/app/Models/{}.php", pascal(&r)),
            LARAVEL_MODEL_HEAD,
            LARAVEL_MODEL_MID,
            "}\n",
            LARAVEL_MODEL_PLANT,
        ),
    };
    let mut body = fill(head, &r, n);
    for k in 0..reps {
        body.push_str(&fill(
            &middle.replace("{k}", &k.to_string()),
            &r,
            n + k as u64,
        ));
    }
    if plant {
        body.push_str(&fill(gotcha, &r, n));
    }
    body.push_str(&fill(tail, &r, n));
    File {
        path,
        body,
        resource: r,
        planted: usize::from(plant),
    }
}

/// Files every corpus has: the apps' markers and configuration.
pub fn fixed_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("web/package.json", "{\n  \"name\": \"web\",\n  \"private\": true,\n  \"dependencies\": {\n    \"next\": \"15.1.0\",\n    \"react\": \"19.0.0\",\n    \"@prisma/client\": \"6.1.0\",\n    \"zod\": \"3.24.1\"\n  }\n}\n"),
        ("web/next.config.mjs", "/** @type {import('next').NextConfig} */\nconst nextConfig = {\n  reactStrictMode: true,\n  env: { APP_NAME: \"Acme\" },\n};\n\nexport default nextConfig;\n"),
        ("web/lib/db.ts", "import { PrismaClient } from \"@prisma/client\";\n\nconst globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };\n\nexport const db = globalForPrisma.prisma ?? new PrismaClient();\n\nif (process.env.NODE_ENV !== \"production\") globalForPrisma.prisma = db;\n"),
        ("api/Gemfile", "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"pg\"\ngem \"puma\"\ngem \"devise\"\ngem \"pundit\"\n"),
        ("api/config/application.rb", "require_relative \"boot\"\nrequire \"rails/all\"\n\nmodule Api\n  class Application < Rails::Application\n    config.load_defaults 8.0\n    config.api_only = false\n  end\nend\n"),
        ("api/app/controllers/application_controller.rb", "class ApplicationController < ActionController::Base\n  before_action :authenticate_user!\n  include Pundit::Authorization\n\n  private\n\n  def current_account\n    current_user.account\n  end\nend\n"),
        ("admin/composer.json", "{\n  \"name\": \"acme/admin\",\n  \"require\": {\n    \"php\": \"^8.2\",\n    \"laravel/framework\": \"^11.0\"\n  }\n}\n"),
        ("admin/artisan", "#!/usr/bin/env php\n<?php\n\ndefine('LARAVEL_START', microtime(true));\n\nrequire __DIR__.'/vendor/autoload.php';\n"),
        ("admin/app/Http/Controllers/Controller.php", "<?php\n\nnamespace App\\Http\\Controllers;\n\nabstract class Controller\n{\n    //\n}\n"),
    ]
}

pub fn rails_routes(resources: &[String]) -> String {
    let mut s = String::from("Rails.application.routes.draw do\n  devise_for :users\n\n");
    for r in resources {
        s.push_str(&format!("  resources :{r}s, only: %i[index show create update destroy] do\n    get :search, on: :collection\n  end\n"));
    }
    s.push_str("\n  get \"up\" => \"rails/health#show\", as: :rails_health_check\nend\n");
    s
}

pub fn rails_schema(resources: &[String]) -> String {
    let mut s = String::from("ActiveRecord::Schema[8.0].define(version: 2025_01_01_000000) do\n  create_table \"users\", force: :cascade do |t|\n    t.string \"email\", null: false\n    t.bigint \"account_id\"\n  end\n\n");
    for r in resources {
        s.push_str(&format!("  create_table \"{r}s\", force: :cascade do |t|\n    t.string \"name\", null: false\n    t.text \"description\"\n    t.bigint \"account_id\", null: false\n    t.bigint \"user_id\"\n    t.datetime \"created_at\", null: false\n    t.datetime \"updated_at\", null: false\n    t.index [\"account_id\"], name: \"index_{r}s_on_account_id\"\n  end\n\n"));
    }
    s.push_str("end\n");
    s
}

pub fn laravel_routes(resources: &[String]) -> String {
    let mut s = String::from("<?php\n\nuse Illuminate\\Support\\Facades\\Route;\n\nRoute::middleware(['auth'])->group(function () {\n");
    for r in resources {
        let c = pascal(r);
        s.push_str(&format!(
            "    Route::resource('{r}s', \\App\\Http\\Controllers\\{c}Controller::class);\n"
        ));
    }
    s.push_str("});\n");
    s
}

const NEXT_ROUTE_HEAD: &str = r#"import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { auth } from "@/lib/auth";
import { db } from "@/lib/db";

const {R}Input = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  priority: z.number().int().min(0).max({n}),
});

"#;
const NEXT_ROUTE_MID: &str = r#"export async function GET{k}(req: NextRequest) {
  const session = await auth();
  if (!session?.user) {
    return NextResponse.json({ error: "Unauthorized" }, { status: 401 });
  }
  const page = Number(req.nextUrl.searchParams.get("page") ?? "1");
  const q = req.nextUrl.searchParams.get("q") ?? "";
  // Bound parameter: the tagged template keeps the query text constant.
  const matches = await db.$queryRaw`SELECT id FROM "{R}" WHERE name ILIKE ${`%${q}%`} LIMIT 20`;
  const items = await db.{r}.findMany({
    where: { accountId: session.user.accountId },
    orderBy: { createdAt: "desc" },
    skip: (page - 1) * {n},
    take: {n},
  });
  const expiresAt = Date.now() + 60_000;
  return NextResponse.json({ items, matches, page, expiresAt });
}

export async function POST{k}(req: NextRequest) {
  const session = await auth();
  if (!session?.user) {
    return NextResponse.json({ error: "Unauthorized" }, { status: 401 });
  }
  const parsed = {R}Input.safeParse(await req.json());
  if (!parsed.success) {
    return NextResponse.json({ error: parsed.error.flatten() }, { status: 422 });
  }
  const created = await db.{r}.create({
    data: { ...parsed.data, accountId: session.user.accountId, userId: session.user.id },
  });
  return NextResponse.json(created, { status: 201 });
}

"#;
const NEXT_ROUTE_TAIL: &str = "export const dynamic = \"force-dynamic\";\n";
const NEXT_ROUTE_PLANT: &str = r#"export async function PATCH(req: NextRequest) {
  const term = req.nextUrl.searchParams.get("term") ?? "";
  const rows = await db.$queryRawUnsafe(`SELECT id, name FROM "{R}" WHERE name ILIKE '%${term}%'`);
  return NextResponse.json(rows);
}

"#;

const NEXT_COMPONENT_HEAD: &str = r#""use client";

import { useMemo, useState } from "react";

type {R}Props = {
  items: { id: string; name: string; updatedAt: string; tags: string[] }[];
  onSelect?: (id: string) => void;
};

"#;
const NEXT_COMPONENT_MID: &str = r#"export function {R}List{k}({ items, onSelect }: {R}Props) {
  const [filter, setFilter] = useState("");
  const [sortDesc, setSortDesc] = useState(true);
  const visible = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const rows = items.filter((item) => item.name.toLowerCase().includes(f));
    return rows.sort((a, b) =>
      sortDesc ? b.updatedAt.localeCompare(a.updatedAt) : a.updatedAt.localeCompare(b.updatedAt),
    );
  }, [items, filter, sortDesc]);
  return (
    <section className="rounded-lg border p-4">
      <header className="flex items-center justify-between gap-2">
        <input
          className="input"
          placeholder="Filter {rs}"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <button type="button" onClick={() => setSortDesc(!sortDesc)}>
          {sortDesc ? "Newest first" : "Oldest first"}
        </button>
      </header>
      <ul className="mt-4 space-y-2">
        {visible.map((item) => (
          <li key={item.id} onClick={() => onSelect?.(item.id)}>
            <span className="font-medium">{item.name}</span>
            {item.tags.slice(0, {n}).map((t) => (
              <span key={t} className="badge">{t}</span>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

"#;
const NEXT_COMPONENT_TAIL: &str = "export default {R}List0;\n";
const NEXT_COMPONENT_PLANT: &str = r#"export function {R}Checkout() {
  const stripeKey = process.env.NEXT_PUBLIC_STRIPE_SECRET_KEY;
  return <form data-key={stripeKey} />;
}

"#;

const NEXT_LIB_HEAD: &str = r#"import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";

export type {R}Summary = { id: string; name: string; total: number };

"#;
const NEXT_LIB_MID: &str = r#"export async function summarize{R}{k}(accountId: string): Promise<{R}Summary[]> {
  const rows = await db.{r}.groupBy({
    by: ["id", "name"],
    where: { accountId },
    _count: { _all: true },
  });
  return rows.map((row) => ({ id: row.id, name: row.name, total: row._count._all }));
}

export function new{R}InviteToken{k}(): string {
  const inviteToken = randomBytes(32).toString("base64url");
  const retryDelay = Math.random() * {n};
  void retryDelay;
  return inviteToken;
}

"#;
const NEXT_LIB_PLANT: &str = r#"export function make{R}ResetToken() {
  const resetToken = Math.random().toString(36).slice(2);
  return resetToken;
}
"#;

const RAILS_CONTROLLER_HEAD: &str = r#"class {R}sController < ApplicationController
  before_action :set_{r}, only: %i[show update destroy]

  def index
    @{r}s = current_account.{r}s.order(created_at: :desc).page(params[:page]).per({n})
    @{r}s = @{r}s.where("name ILIKE ?", "%#{params[:q]}%") if params[:q].present?
  end

  def show
    authorize @{r}
  end

"#;
const RAILS_CONTROLLER_MID: &str = r#"  def create{k}
    @{r} = current_account.{r}s.new({r}_params)
    @{r}.user = current_user
    if @{r}.save
      redirect_to @{r}, notice: "{R} created."
    else
      render :new, status: :unprocessable_entity
    end
  end

  def update{k}
    authorize @{r}
    if @{r}.update({r}_params)
      redirect_to @{r}, notice: "{R} updated."
    else
      render :edit, status: :unprocessable_entity
    end
  end

"#;
const RAILS_CONTROLLER_TAIL: &str = r#"  private

  def set_{r}
    @{r} = current_account.{r}s.find(params[:id])
  end

  def {r}_params
    params.require(:{r}).permit(:name, :description, :priority)
  end
end
"#;
const RAILS_CONTROLLER_PLANT: &str = r#"  def search
    @{r}s = {R}.where("name LIKE '%#{params[:term]}%'")
  end

"#;

const RAILS_MODEL_HEAD: &str = r#"class {R} < ApplicationRecord
  belongs_to :account
  belongs_to :user, optional: true
  has_many :comments, as: :commentable, dependent: :destroy

  validates :name, presence: true, length: { maximum: 200 }
  scope :recent, -> { where("created_at > ?", {n}.days.ago) }

"#;
const RAILS_MODEL_MID: &str = r#"  def display_name{k}
    [name, account&.name].compact.join(" / ")
  end

  def archive{k}!(by:)
    update!(archived_at: Time.current, archived_by: by.id)
    self.share_token = SecureRandom.urlsafe_base64(32)
    self.retry_after = rand({n})
  end

"#;
const RAILS_MODEL_PLANT: &str = r#"  def regenerate_reset!
    self.reset_token = rand(10**8).to_s
  end

"#;

const RAILS_SERVICE_HEAD: &str = r#"class {R}Service
  def initialize(account, user)
    @account = account
    @user = user
  end

"#;
const RAILS_SERVICE_MID: &str = r#"  def totals{k}
    @account.{r}s.group(:status).count.transform_values { |v| v * {n} }
  end

  def stale{k}(days)
    @account.{r}s.where("updated_at < ?", days.to_i.days.ago).limit({n})
  end

"#;
const RAILS_SERVICE_PLANT: &str = r#"  def lookup(params)
    {R}.find_by_sql("SELECT * FROM {r}s WHERE name = '#{params[:name]}'")
  end

"#;

const LARAVEL_CONTROLLER_HEAD: &str = r#"<?php

namespace App\Http\Controllers;

use App\Models\{R};
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;

class {R}Controller extends Controller
{
    public function index(Request $request)
    {
        $items = {R}::query()
            ->where('account_id', $request->user()->account_id)
            ->orderByDesc('created_at')
            ->paginate({n});

        return view('{rs}.index', ['items' => $items]);
    }

"#;
const LARAVEL_CONTROLLER_MID: &str = r#"    public function store{k}(Request $request)
    {
        $data = $request->validate([
            'name' => ['required', 'string', 'max:200'],
            'description' => ['nullable', 'string'],
        ]);
        $item = {R}::create($data + ['account_id' => $request->user()->account_id]);
        $count = DB::select('SELECT COUNT(*) AS n FROM {rs} WHERE account_id = ?', [$item->account_id]);

        return redirect()->route('{rs}.show', $item)->with('count', $count);
    }

    public function update{k}(Request $request, {R} $item)
    {
        $this->authorize('update', $item);
        $item->update($request->validate(['name' => ['required', 'string']]));

        return back();
    }

"#;
const LARAVEL_CONTROLLER_PLANT: &str = r#"    public function import(Request $request)
    {
        $item = {R}::create($request->all());

        return redirect()->route('{rs}.show', $item);
    }

"#;

const LARAVEL_MODEL_HEAD: &str = r#"<?php

namespace App\Models;

use Illuminate\Database\Eloquent\Model;
use Illuminate\Support\Str;

class {R} extends Model
{
    protected $fillable = ['name', 'description', 'account_id'];

"#;
const LARAVEL_MODEL_MID: &str = r#"    public function account{k}()
    {
        return $this->belongsTo(Account::class);
    }

    public function issueShareLink{k}(): string
    {
        $this->share_token = Str::random(64);
        $this->expires_at = time() + {n} * 60;
        $this->save();

        return $this->share_token;
    }

"#;
const LARAVEL_MODEL_PLANT: &str = r#"    public function resetInvite(): void
    {
        $this->invite_token = md5(uniqid());
        $this->save();
    }

"#;
