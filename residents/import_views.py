"""The import wizard's pages: upload → the columns as mapped (correctable, saved as a template) → the preview
(counts, rows by outcome, the rejected rows' workbook) → 确认导入 (all or nothing) → the result, with 撤销导入.
And the history of a community's imports.

Thin: the engine (jiedao.imports) and the residents' declaration (residents.imports) do the work; the
pages show its outcome. Staff and the sub-district admin only (others 403); a run outside the user's
scope answers 404.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from jiedao.exports import XLSX
from jiedao.imports import (
    RESTARTED,
    ImportConflict,
    import_commit,
    import_remap,
    import_restart,
    import_run_create,
    import_undo,
    rejected_workbook,
    row_payload,
)
from jiedao.models import ImportRow, ImportRun
from jiedao.sessions import background_poll
from jiedao.views import PageNumberMixin, RegistryWriterMixin

from . import id_numbers
from .choices import tag_labels
from .imports import RESIDENTS
from .ledger import CASE_MESSAGE
from .models import Community, Grid, Resident, Status

WORKING = (ImportRun.Status.PENDING, ImportRun.Status.RUNNING, ImportRun.Status.COMMITTING)
OUTCOMES = dict(ImportRow.Outcome.choices)
MASKS = {"id_number": id_numbers.mask, "phone": id_numbers.mask_phone}


def _run(request, pk) -> ImportRun:
    return get_object_or_404(ImportRun.objects.visible_to(request.user).select_related("user"), pk=pk)


class ImportUploadForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=Community.objects.none(), empty_label="请选择社区",
                                       error_messages={"required": "请选择要导入的社区。",
                                                       "invalid_choice": "所选社区不在您的管辖范围内。"})
    grid = forms.ModelChoiceField(label="新登记居民所在网格", queryset=Grid.objects.none(), required=False,
                                  empty_label="（社区只有一个网格时可不选）",
                                  error_messages={"invalid_choice": "所选网格不在您的管辖范围内。"})
    file = forms.FileField(label="台账文件（.xlsx）", error_messages={"required": "请选择要导入的 Excel（.xlsx）文件。",
                                                                   "empty": "文件是空的。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Community.objects.visible_to(user)
        self.fields["community"].queryset = communities
        self.fields["grid"].queryset = Grid.objects.visible_to(user).select_related("community")
        self.fields["grid"].label_from_instance = lambda grid: f"{grid.community.name} · {grid.name}"
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk


class ImportListView(RegistryWriterMixin, PageNumberMixin, ListView):
    """The imports of the user's communities: who, when, which file (its SHA-256's start), counts, status."""

    template_name = "residents/import_list.html"
    context_object_name = "runs"
    paginate_by = 30

    def get_queryset(self):
        return ImportRun.objects.visible_to(self.request.user).select_related("user").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ids = {run.params.get("community") for run in context["runs"]}
        names = dict(Community.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list("pk", "name"))
        for run in context["runs"]:
            run.community_name = names.get(run.params.get("community"), "")
        context["query"] = ""
        return context


class ImportUploadView(RegistryWriterMixin, View):
    template_name = "residents/import_upload.html"

    def get(self, request):
        return self._page(ImportUploadForm(user=request.user))

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            params = {"community": form.cleaned_data["community"].pk}
            if form.cleaned_data["grid"] is not None:
                params["grid"] = form.cleaned_data["grid"].pk
            try:
                run = import_run_create(user=request.user, import_list=RESIDENTS, upload=form.cleaned_data["file"],
                                        params=params)
            except ValidationError as e:
                for field, errors in e.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("residents:import_run", run.pk)
        return self._page(form, status=400)

    def _page(self, form, status=200):
        return render(self.request, self.template_name, {"form": form}, status=status)


class ImportRunView(RegistryWriterMixin, PageNumberMixin, ListView):
    """One import: its progress, its preview (counts, rows by outcome), its result."""

    template_name = "residents/import_run.html"
    context_object_name = "rows"
    paginate_by = 50

    def get_queryset(self):
        self.run = _run(self.request, self.kwargs["pk"])
        self.outcome = self.request.GET.get("outcome", "")
        if self.outcome not in OUTCOMES:
            self.outcome = ""
        rows = self.run.rows.order_by("id")
        return rows.filter(outcome=self.outcome) if self.outcome else rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.run
        for row in context["rows"]:
            row.changes = _changes(row) if row.outcome == ImportRow.Outcome.UPDATE else []
        # A 低保/特困 mark is the relief case's to decide: once the resident is registered, and while she is an
        # active resident in the reader's scope, the row links to opening her case (one query for the page).
        marked = [row for row in context["rows"] if row.target_id and CASE_MESSAGE in (row.reasons or [])]
        if marked and run.status == ImportRun.Status.COMMITTED:
            open_to = set(Resident.objects.visible_to(self.request.user).filter(
                status=Status.ACTIVE, pk__in=[row.target_id for row in marked]).values_list("pk", flat=True))
            for row in marked:
                row.case_resident = row.target_id if row.target_id in open_to else None
        context.update(
            run=run, outcome=self.outcome, outcomes=[(key, label, run.counts[key]) for key, label in OUTCOMES.items()],
            query=urlencode({"outcome": self.outcome}) if self.outcome else "",
            community=Community.objects.filter(pk=run.params.get("community")).first(),
            working=run.status in WORKING and not run.stalled,
            case_message=CASE_MESSAGE)
        return context


def _changes(row: ImportRow) -> list[str]:
    """An update's changed fields in words, numbers masked: 电话：139****5678 → 138****0007."""
    out = []
    for field, pair in (row_payload(row).get("changes") or {}).items():
        mask = MASKS.get(field, lambda v: v)
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        label = (RESIDENTS.labels or {}).get(field, field)
        if field == "tags":
            old, new = "、".join(tag_labels(old or [])) or "无", "、".join(tag_labels(new or [])) or "无"
        out.append(f"{label}：{mask(str(old)) if old not in (None, '') else '空'} → "
                   f"{mask(str(new)) if new not in (None, '') else '空'}")
    return out


class ImportMappingView(RegistryWriterMixin, View):
    """Each sheet's columns as read and the field each feeds; a select per field corrects it by hand, and
    保存为模板 keeps it for the community's next ledger."""

    template_name = "residents/import_mapping.html"

    def get(self, request, pk):
        return self._page(_run(request, pk))

    def post(self, request, pk):
        run = _run(request, pk)
        mapping = {}
        for index, sheet in enumerate(run.sheets):
            chosen = {}
            for field in RESIDENTS.fields:
                raw = request.POST.get(f"map-{index}-{field.key}", "")
                if raw.isascii() and raw.isdigit() and len(raw) <= 5:  # a column's index; "" leaves it out
                    chosen[field.key] = int(raw)
            if chosen:
                mapping[sheet["name"]] = chosen
        try:
            run = import_remap(actor=request.user, run=run, mapping=mapping,
                               save_template=bool(request.POST.get("save_template")))
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
            return redirect("residents:import_run", run.pk)
        if request.POST.get("save_template"):
            messages.success(request, "已保存为模板：本社区下次导入同样标题的台账时会自动按此对应。")
        return redirect("residents:import_run", run.pk)

    def _page(self, run):
        sheets = []
        for index, sheet in enumerate(run.sheets):
            columns = list(enumerate(sheet["columns"]))
            rows = [{"key": f.key, "title": f.title, "required": f.required, "name": f"map-{index}-{f.key}",
                     "chosen": sheet["mapping"].get(f.key)} for f in RESIDENTS.fields]
            sheets.append({**sheet, "index": index, "choices": columns, "rows": rows})
        return render(self.request, self.template_name, {"run": run, "sheets": sheets,
                                                         "editable": run.status in (ImportRun.Status.PREVIEW,
                                                                                    ImportRun.Status.FAILED)})


class ImportStepView(RegistryWriterMixin, View):
    """A button on the run's page (commit, restart, undo): the step, then the run's page again with what came of
    it, a refusal in words at the top (a stale run, an undo after later changes), never a 500."""

    def step(self, *, actor, run) -> ImportRun:
        raise NotImplementedError

    def told(self, run: ImportRun) -> tuple[int, str] | None:
        """The message (level, words) of a step done, if any."""
        return None

    def post(self, request, pk):
        run = _run(request, pk)
        try:
            done = self.step(actor=request.user, run=run) or run
        except ImportConflict as e:
            messages.error(request, str(e))
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        else:
            if told := self.told(done):
                messages.add_message(request, *told)
        return redirect("residents:import_run", run.pk)


class ImportCommitView(ImportStepView):
    def step(self, *, actor, run):
        return import_commit(actor=actor, run=run)

    def told(self, run):
        return (messages.INFO, run.note) if run.status == ImportRun.Status.COMMITTED and run.note else None


class ImportRestartView(ImportStepView):
    def step(self, *, actor, run):
        import_restart(actor=actor, run=run)
        return run

    def told(self, run):
        return messages.INFO, RESTARTED


class ImportUndoView(ImportStepView):
    def step(self, *, actor, run):
        import_undo(actor=actor, run=run)
        return run

    def told(self, run):
        return messages.SUCCESS, "已撤销导入：导入新建的居民已删除，更新过的居民已恢复原样。"


class ImportRejectedView(RegistryWriterMixin, View):
    def get(self, request, pk):
        run = _run(request, pk)
        if run.status in WORKING or not run.count_rejected:
            raise Http404("没有未导入的行。")
        with rejected_workbook(actor=request.user, run=run) as path:
            stream = open(path, "rb")  # noqa: SIM115  (FileResponse closes it; the path is removed now)
        return FileResponse(stream, as_attachment=True, filename=f"未导入的行-{run.pk}.xlsx", content_type=XLSX)


class ImportStatusView(RegistryWriterMixin, View):
    """What static/js/import_run.js polls while a run is read or written."""

    def get(self, request, pk):
        run = _run(request, pk)
        return JsonResponse({"status": run.status, "label": run.get_status_display(), "done": run.done,
                             "url": reverse("residents:import_run", args=[run.pk])})


import_status = background_poll(ImportStatusView.as_view())
