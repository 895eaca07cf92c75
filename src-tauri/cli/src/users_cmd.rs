//! `ferry users …` and `ferry whoami`: who may act in Ferry, with which policy, and whether
//! personal data is hidden from them. Users are never deleted, only disabled, because the
//! activity log names them. The rules (who may manage users, that the last administrator
//! stays one) are core's (`ferry_core::ops::users`, `ferry_core::policy`); this file parses
//! flags and prints.

use crate::output::{print_json, table};
use clap::Subcommand;
use ferry_core::data::types::PII_MASK;
use ferry_core::ops::activity::time_text;
use ferry_core::ops::users::{self, Me, UserInput, UserView};
use ferry_core::policy::{self, Actor, Policy};
use ferry_core::{App, Error, Result};

const POLICY_HELP: &str = "\
Policies: amp360 (Amp360 User: queries), ampiq (AmpIQ User: segments), amp360+ampiq (both), \
operator (DataGrid Operator: customer data, credentials, destinations, queries, segments), \
administrator (DataGrid Administrator: everything, users and the activity log too). Everyone \
may see the status, the destinations open to them and the customer data. With Restrict PII \
access, columns marked as personal data show as \"•••• (PII)\".

Only a DataGrid Administrator may add, change, disable or enable users. The last enabled \
administrator cannot be demoted or disabled, so someone can always manage users.";

/// The `users` subcommands.
#[derive(Subcommand)]
pub enum UsersCmd {
    /// List the users: policy, PII restriction, enabled or disabled.
    List,
    /// Show one user.
    Show {
        /// The user's name or id.
        user: String,
    },
    /// Add a user.
    #[command(after_long_help = POLICY_HELP)]
    Add {
        name: String,
        /// amp360, ampiq, amp360+ampiq, operator or administrator.
        #[arg(long)]
        policy: String,
        /// Hide personal data (columns marked PII) from this user.
        #[arg(long)]
        restrict_pii: bool,
    },
    /// Change a user's name, policy or PII restriction; flags left out keep their value.
    #[command(after_long_help = POLICY_HELP)]
    Edit {
        /// The user's name or id.
        user: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// amp360, ampiq, amp360+ampiq, operator or administrator.
        #[arg(long)]
        policy: Option<String>,
        /// Hide personal data from this user (--restrict-pii=false shows it again).
        // NOTE: `=` is required so that `--restrict-pii dana` never reads "dana" as the value.
        #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true",
              value_name = "true|false")]
        restrict_pii: Option<bool>,
    },
    /// Disable a user: they can no longer act in Ferry. Users are never deleted, since the
    /// activity log names them.
    Disable {
        /// The user's name or id.
        user: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// The user's name or id.
        user: String,
    },
}

/// Runs one `users` subcommand.
pub fn run(cmd: UsersCmd, app: &App, me: &Actor, json: bool) -> Result<()> {
    match cmd {
        UsersCmd::List => {
            let list = users::list(app, me)?;
            if json {
                print_json(&list);
            } else {
                print_list(&list);
            }
        }
        UsersCmd::Show { user } => show(&users::get(app, me, &user)?, json),
        UsersCmd::Add {
            name,
            policy,
            restrict_pii,
        } => {
            let input = UserInput {
                name,
                policy: parse_policy(&policy)?,
                restrict_pii,
            };
            show(&users::create(app, me, input)?, json);
        }
        UsersCmd::Edit {
            user,
            name,
            policy,
            restrict_pii,
        } => {
            let cur = users::get(app, me, &user)?;
            let input = UserInput {
                name: name.unwrap_or(cur.name),
                policy: policy
                    .as_deref()
                    .map(parse_policy)
                    .transpose()?
                    .unwrap_or(cur.policy),
                restrict_pii: restrict_pii.unwrap_or(cur.restrict_pii),
            };
            show(&users::update(app, me, &cur.id, input)?, json);
        }
        UsersCmd::Disable { user } => show(&users::set_disabled(app, me, &user, true)?, json),
        UsersCmd::Enable { user } => show(&users::set_disabled(app, me, &user, false)?, json),
    }
    Ok(())
}

/// A policy as typed, or an error that lists the ones there are.
fn parse_policy(raw: &str) -> Result<Policy> {
    Policy::parse(raw).ok_or_else(|| {
        let names: Vec<&str> = Policy::ALL.iter().map(|p| p.as_str()).collect();
        Error::field(
            "policy",
            format!(
                "\"{raw}\" is not a policy: use one of {} (see `ferry users add --help`).",
                names.join(", ")
            ),
        )
    })
}

fn print_list(list: &[UserView]) {
    table(
        &["NAME", "POLICY", "PERSONAL DATA", "STATUS"],
        list.iter()
            .map(|u| {
                vec![
                    u.name.clone(),
                    u.policy_label.clone(),
                    pii_words(u.restrict_pii).into(),
                    status_words(u.disabled).into(),
                ]
            })
            .collect(),
    );
}

fn pii_words(restrict: bool) -> &'static str {
    if restrict {
        "hidden (Restrict PII access)"
    } else {
        "shown"
    }
}

fn status_words(disabled: bool) -> &'static str {
    if disabled {
        "disabled"
    } else {
        "enabled"
    }
}

fn show(u: &UserView, json: bool) {
    if json {
        return print_json(u);
    }
    println!("User {} ({})", u.name, u.id);
    println!(
        "  Policy:        {} ({})",
        u.policy_label,
        u.policy.as_str()
    );
    if u.restrict_pii {
        println!("  Personal data: hidden (Restrict PII access): PII columns show as {PII_MASK}");
    } else {
        println!("  Personal data: shown");
    }
    if u.disabled {
        println!(
            "  Status:        disabled: cannot act in Ferry until enabled again (ferry users \
             enable \"{}\")",
            u.name
        );
    } else {
        println!("  Status:        enabled");
    }
    // NOTE: the user who became the first administrator on its own has real times too; only an
    // actor made up for a folder without users (see `whoami`) has none.
    if u.created_at > 0 {
        println!("  Added:         {} UTC", time_text(u.created_at * 1000));
        println!("  Changed:       {} UTC", time_text(u.updated_at * 1000));
    }
}

/// Prints who is acting (`how` says what chose them) and everything their policy allows.
pub fn whoami(app: &App, me: &Actor, how: &str, json: bool) -> Result<()> {
    // NOTE: a folder that cannot be written and has no users yet acts as the person at the
    // computer without a stored user (see `users::resolve`); they are shown as the actor.
    let user = users::get(app, me, me.id()).unwrap_or_else(|_| UserView {
        id: me.id().to_string(),
        name: me.name().to_string(),
        policy: me.policy(),
        policy_label: me.policy().label().to_string(),
        restrict_pii: me.restrict_pii(),
        disabled: false,
        created_at: 0,
        updated_at: 0,
    });
    let permissions = policy::permissions(me.policy());
    if json {
        print_json(&Me { user, permissions });
        return Ok(());
    }
    println!("You act as {} (chosen by {how}).", user.name);
    show(&user, false);
    println!("May:");
    for p in permissions {
        println!("  - {}", p.describe());
    }
    println!(
        "Act as another user with --as NAME or FERRY_USER=NAME; `ferry users list` lists them."
    );
    Ok(())
}
