"""``graphmed diagnose``: diagnosis categories of admissions that are not coded yet."""
from __future__ import annotations

import argparse

from graphmed.cli.common import (add_common_options, add_set_option, at_least, build_model,
                                 check_out, device, fraction, hours, model_settings, print_table,
                                 run_record, table_file, write_out)
from graphmed.errors import GraphmedError


#: EHR layouts of ``graphmed diagnose`` -> (loader in graphmed.ehr, default unit)
EHR_SOURCES = {"mimic4": ("load_mimic4", "admission"), "mimic3": ("load_mimic3", "admission"),
               "synthea": ("load_synthea", "patient")}
#: Layouts whose diagnosis categories (ICD-10 chapters) group diseases by body system, so
#: that the drugs' known indications say which of them a unit has; Synthea's SNOMED semantic
#: tags (disorder, finding, ...) do not.
INDICATION_SOURCES = ("mimic4", "mimic3")
#: Layouts whose loader reads abnormal lab results (MIMIC-III: a full download only).
LAB_SOURCES = ("mimic4", "mimic3")


def _cmd_diagnose(args: argparse.Namespace) -> int:
    import graphmed.ehr as ehr
    from graphmed.models.diagnosis import make_diagnosis_model
    from graphmed.tasks.diagnosis_prediction import predict_diagnoses, query_unit_indices

    check_out(args.out)
    # an unknown model name or setting fails before loading
    settings = model_settings(args.settings)
    if "device" in settings:  # one place says where: --device (checked against this machine)
        raise GraphmedError(f"--set device={settings['device']}: give the device as --device "
                            f"{settings['device']}")
    model = build_model(make_diagnosis_model, args.model, settings)
    if args.device != "cpu" and not model.has_network:
        raise GraphmedError(f"--device {args.device}: {args.model} has no network and runs on "
                            "the CPU")
    model.use_device(args.device)
    model.progress = not args.no_progress
    loader, default_unit = EHR_SOURCES[args.source]
    allowed = ("encounter", "patient") if args.source == "synthea" else ("admission", "patient")
    if args.unit is not None and args.unit not in allowed:
        raise GraphmedError(f"--unit for {args.source} must be {' or '.join(allowed)}, got {args.unit!r}")
    if args.labs and args.source not in LAB_SOURCES:
        raise GraphmedError(f"--labs: abnormal lab results are read from MIMIC tables only, "
                            f"not {args.source}")
    lab_option = {"labs": True} if args.labs else {}
    if args.first_hours is not None and (args.unit or default_unit) == "patient":
        raise GraphmedError("--first-hours: the units are patients, which have no start; use "
                            f"--unit {'encounter' if args.source == 'synthea' else 'admission'}")
    from tqdm.auto import tqdm

    from graphmed.threads import cpu_threads

    with tqdm(total=4, desc=f"reading the {args.source} tables", disable=args.no_progress,
              leave=False) as steps:  # closed on errors too, before the error line
        graph = getattr(ehr, loader)(args.root, unit=args.unit or default_unit,
                                     data_root=args.data_root, **lab_option).build()
        query_unit_indices(graph, args.units)  # unknown ids fail before the slow steps
        if args.first_hours is not None:
            graph = ehr.first_hours(graph, args.first_hours, untimed="drop")
        steps.update()
        if not args.no_text:
            steps.set_description("embedding code titles and drug names")
            graph = ehr.add_text_features(graph)
        steps.update()
        if not args.no_indications and args.source in INDICATION_SOURCES:
            steps.set_description("placing the drugs' known indications in the categories")
            graph = _with_indications(graph, args.data_root)
        steps.update()
        steps.set_description(f"fitting {args.model}")
        with cpu_threads(args.threads):
            result = predict_diagnoses(graph, model, args.units, seed=args.seed,
                                       val_fraction=args.val_fraction)
        steps.update()
    task, table = result.task, result.table
    print(f"{graph.name}: {task.test_units.size} {task.unit}(s) to diagnose; model {args.model}, "
          f"seed {result.seed}; fitted on {task.train_units.size} {task.unit}s of "
          f"{task.fold.train.size} patients, validated on {task.val_units.size} {task.unit}s of "
          f"{task.fold.val.size} patients (validation macro AUROC {result.validation_macro_auroc:.3f}, "
          f"which also chose the model's settings and the per-category thresholds of "
          f"'predicted'); {task.num_categories} categories")
    shown = table[table["rank"] <= args.top]
    units = shown["unit_id"].unique()
    print_table(shown[shown["unit_id"].isin(units[:args.show])],
                {k: "{:.3f}" for k in ("probability", "prevalence", "threshold")})
    if units.size > args.show:
        print(f"... {units.size - args.show} more {task.unit}(s); --out writes them all")
    if args.out:
        record = run_record("diagnose", args, source=args.source, graph=graph.name,
                            graph_checksum=graph.checksum, model=args.model,
                            config=model.config(), seed=result.seed, unit=task.unit,
                            labs=args.labs, first_hours=args.first_hours,
                            text_features=not args.no_text,
                            indications=("drug" in graph.data.node_types
                                         and "indication_categories" in graph.data["drug"]),
                            validation_macro_auroc=result.validation_macro_auroc)
        write_out(table, args.out, f"every category of every {task.unit}", record=record)
    return 0


def _with_indications(graph, data_root):
    """``graph`` with its drugs' known indications (PharmacotherapyDB under the data root,
    downloaded when missing and allowed); ``graph`` itself, with a note, when the catalogue
    cannot be had."""
    from graphmed.datasets.indications import load_indications
    from graphmed.ehr.indications import add_indication_categories
    from graphmed.errors import DataNotFoundError

    try:
        indications = load_indications(data_root)
    except DataNotFoundError as exc:
        print(f"note: known indications left out ({exc})")
        return graph
    return add_indication_categories(graph, indications)


def register(sub) -> None:
    """Add the ``diagnose`` command to the sub-parsers ``sub``."""
    diag = sub.add_parser("diagnose", help="predict the diagnosis categories of admissions (or "
                                           "patients) that are not coded yet",
                          description="Build the EHR graph, fit a diagnosis model on the patients "
                                      "with diagnoses (a validation share chooses its settings) "
                                      "and list the most probable diagnosis categories (ICD-10 "
                                      "chapters; SNOMED tags for Synthea) of the units without "
                                      "diagnoses, or of the units named with --units.")
    diag.add_argument("source", choices=sorted(EHR_SOURCES), help="layout of the EHR tables")
    diag.add_argument("--root", help="folder of the export (default: the demo under the data root)")
    diag.add_argument("--unit", help="node diagnoses are attached to: admission or patient "
                                     "(MIMIC; default admission), encounter or patient (Synthea; "
                                     "default patient)")
    diag.add_argument("--units", nargs="+", metavar="ID",
                      help="ids of the units to diagnose (default: every unit without a diagnosis); "
                           "their own diagnoses, if any, are hidden from the model")
    diag.add_argument("--model", default="trans4dd",
                      help="diagnosis model (default trans4dd; logistic-bag-of-codes takes a second)")
    diag.add_argument("--top", type=at_least(1), default=3, help="categories printed per unit (default 3)")
    diag.add_argument("--show", type=at_least(1), default=10, help="units printed (default 10)")
    diag.add_argument("--seed", type=at_least(0),
                      help="seed of the validation split and the model (default: drawn and printed)")
    diag.add_argument("--val-fraction", type=fraction, default=0.2,
                      help="share of the diagnosed patients kept for validation (default 0.2)")
    diag.add_argument("--labs", action="store_true",
                      help="link units to their abnormal lab results (labevents, d_labitems; "
                           "mimic3: a full download), codes the models read beside drugs and "
                           "procedures")
    diag.add_argument("--first-hours", type=hours, metavar="H",
                      help="read of every admission only the codes recorded within H hours of its "
                           "start (drugs, procedures with a time, lab results), to diagnose early "
                           "in a stay")
    diag.add_argument("--no-text", action="store_true",
                      help="no text embeddings of code titles and drug names on the graph")
    diag.add_argument("--no-indications", action="store_true",
                      help="do not join the drugs' known indications (PharmacotherapyDB under "
                           "the data root) to the graph (joined for mimic3 and mimic4)")
    diag.add_argument("--device", type=device, default="cpu",
                      help="where the network trains: cpu (default), cuda, cuda:N or auto "
                           "(models with a network: mlp-bag-of-codes, hetero-gcn, hgt, trans4dd)")
    diag.add_argument("--out", type=table_file,
                      help="write every category of every unit to a .csv or .parquet file")
    add_set_option(diag)
    add_common_options(diag)
    diag.set_defaults(func=_cmd_diagnose)
