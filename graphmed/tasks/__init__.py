"""What is learned: the graph a model may see, its negatives, loss and validation metric."""
from graphmed.tasks.diagnosis import (DiagnosisTask, PatientFold, build_diagnosis_task,
                                      hide_diagnoses, patient_folds, unit_labels)
from graphmed.tasks.link_prediction import EDGE_TYPES, FEATURES, LinkTask, build_link_task

__all__ = ["DiagnosisTask", "EDGE_TYPES", "FEATURES", "LinkTask", "PatientFold",
           "build_diagnosis_task", "build_link_task", "hide_diagnoses", "patient_folds",
           "unit_labels"]
