"""Comebacks: lost accounts that later bought from us — how many, how soon, and after which losses."""

from __future__ import annotations

import streamlit as st

from analytics.errors import DebriefError
from analytics.metrics import comebacks, winback
from analytics.present import charts, downloads, tables, text
from analytics.present import formatting as fmt
from analytics.ui import session, share, shell, widgets

ctx = shell.setup_page("Comebacks", intro="An account we lost that later won a deal with us — in any CRM, "
                                          "under any spelling of its name.")
shell.stop_without("lost deals", ctx.matching.lost)

c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
horizon = c1.select_slider("Comeback horizon", options=[90, 180, 270, 365, 540, 730], value=365,
                           format_func=fmt.months_label, key="cb_horizon",
                           help="A comeback counts when the account wins a deal within this time of its "
                                "first loss; only accounts lost at least this long ago are eligible.")
as_of = c2.date_input("As of", value=None, key="cb_as_of", format="YYYY-MM-DD",
                      help="Look at the data as it was on this day. Empty: the latest close date.")
try:
    settings = comebacks.ComebackSettings(horizon_days=int(horizon), as_of=as_of)
except DebriefError as err:
    st.error(text.md_escape(err))
    st.stop()
share.report_button(ctx.filters, comebacks=settings)

# Every comeback result below in one engine call: the per-account anchor is computed once.
view = session.load(winback.comeback_view, ctx.filters, settings)
summary = view.summary
if summary["lost_accounts"] == 0:
    st.info("None of the lost deals matching these filters names an account, so comebacks cannot be "
            "followed. Map the account or company column on the Import page.")
    st.stop()

cols = st.columns(4)
cols[0].metric(f"Came back within {fmt.horizon_label(horizon)}",
               fmt.fmt_pct(summary["comeback_rate"]), border=True,
               help=f"{summary['came_back']:,} of the {summary['eligible']:,} accounts lost at least "
                    f"{horizon} days before {summary['as_of']} won a deal within {horizon} days.")
cols[1].metric("Ever came back", fmt.fmt_pct(summary["ever_rate"]), border=True,
               help="Share of all lost accounts with a later win, however long it took.")
cols[2].metric("Median time to come back", fmt.fmt_days(summary["median_days_to_comeback"]), border=True,
               help="Over the accounts that came back.")
cols[3].metric("Lost accounts", fmt.fmt_count(summary["lost_accounts"]), border=True,
               help=f"Accounts with a lost deal in the filters; {summary['eligible']:,} eligible for the "
                    f"horizon. Data as of {summary['as_of']}.")
if summary["eligible"]:
    st.caption(f"{summary['came_back']:,} of {summary['eligible']:,} eligible accounts came back within "
               f"the horizon · as of {summary['as_of']}.")
else:
    st.info(f"No account lost in these filters was lost at least {fmt.horizon_label(horizon)} before "
            f"{summary['as_of']}, so none can be judged on this horizon yet. Shorten the horizon or widen "
            "the date range; the curve below already uses every account.", icon=":material/hourglass:")

left, right = st.columns(2, gap="large")
with left:
    curve = view.curve
    widgets.chart(charts.km_figure(curve, horizon), key="cb_curve")
    st.caption("Kaplan–Meier estimate: accounts lost recently count for as long as we have watched them. "
               "Shaded: 95% band.")
with right:
    cohorts = view.cohorts
    if cohorts.empty:
        st.info("No cohort to show.")
    else:
        widgets.chart(charts.cohort_figure(cohorts), key="cb_cohorts")
        st.caption("Blank cells are not known yet: the cohort has not been watched that long.")

if summary["eligible"]:
    left, right = st.columns(2, gap="large")
    by_reason = tables.labelled_categories(view.by_category, "value")
    by_comp = view.by_competitor.head(10)
    breakdowns = ((left, by_reason, "Comeback rate by the original loss reason", "cb_by_reason"),
                  (right, by_comp, "Comeback rate by who we lost to", "cb_by_competitor"))
    for column, df, title, key in breakdowns:
        with column:
            widgets.chart(charts.rate_dots(df, "value", title, value="comeback_rate",
                                           value_title="Comeback rate (%)", count="eligible",
                                           count_label="eligible accounts", successes="came_back",
                                           success_label="came back", reference=summary["comeback_rate"],
                                           reference_label="All"), key=key)
    st.caption(charts.SMALL_SAMPLE_NOTE.replace("closed deals", "eligible accounts"))

st.subheader("Win-back list: who to call next", anchor=False)
winback_list = view.winback
if winback_list.empty:
    st.caption("No lost account is due: none not yet back was lost long enough ago (and within "
               f"{fmt.horizon_label(horizon)}) for accounts lost for the same reason to usually return.")
else:
    top_left, top_right = st.columns([3, 1], vertical_alignment="center")
    top_left.markdown(
        f"**{fmt.fmt_count(len(winback_list))} accounts to call** · not back yet, lost long enough ago "
        f"that accounts lost for the same reason usually return, and within {fmt.horizon_label(horizon)}. "
        "Best first: lost amount × the comeback rate of their loss reason.")
    top_right.download_button("Download the win-back list", downloads.winback_csv(winback_list),
                              file_name="debrief-win-back.csv", mime="text/csv", key="cb_winback_download",
                              icon=":material/download:", width="stretch")
    st.dataframe(
        tables.labelled_categories(winback_list), hide_index=True, width="stretch",
        placeholder=fmt.DASH, height=tables.table_height(len(winback_list), 420),
        column_order=list(downloads.WINBACK_LABELS)[:-1],
        column_config=widgets.lost_account_columns("Account", "category", "competitor") | {
            "days_since_loss": st.column_config.NumberColumn("Days since loss", format="%d"),
            "usual_days": st.column_config.NumberColumn(
                "Usual days to come back", format="%d",
                help="Median days to come back of the accounts lost for the same reason (every reason's "
                     f"when fewer than {winback.MIN_RETURNED} of them came back)."),
            "reason_comeback_rate": widgets.rate_column("Reason's comeback rate"),
            "score": widgets.money_column("Score (amount × rate)"),
        },
    )

st.subheader("Accounts that came back", anchor=False)
returned = view.returned
if returned.empty:
    st.caption("No lost account has won a deal since.")
else:
    st.dataframe(
        tables.labelled_categories(returned, "loss_reason"), hide_index=True, width="stretch",
        placeholder=fmt.DASH,
        # "Days later" beside "Won on", not off the right edge behind the long account names.
        column_order=["account_name", "loss_date", "loss_reason", "lost_to", "lost_amount",
                      "comeback_date", "days_to_comeback", "comeback_account_name", "comeback_amount"],
        column_config=widgets.lost_account_columns("Account (when lost)", "loss_reason", "lost_to") | {
            "comeback_date": widgets.date_column("Won on"),
            "comeback_account_name": st.column_config.TextColumn("Account (when won)", width="medium"),
            "comeback_amount": widgets.money_column("Won amount"),
            "days_to_comeback": st.column_config.NumberColumn("Days later", format="%d"),
        },
    )
    st.caption(f"{len(returned):,} accounts, latest comeback first. The name can differ between the lost "
               "and the won deal: Debrief matches accounts by their normalised name or CRM id.")
