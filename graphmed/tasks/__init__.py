"""What is learned: the graph a model may see, its negatives, loss and validation metric."""
from graphmed.tasks.diagnosis import (DiagnosisTask, build_diagnosis_task, hide_diagnoses,
                                      unit_labels)
from graphmed.tasks.diagnosis_prediction import (DiagnosisPredictions, predict_diagnoses,
                                                 prediction_table, prediction_task,
                                                 query_unit_indices, undiagnosed_units)
from graphmed.tasks.link_prediction import EDGE_TYPES, FEATURES, LinkTask, build_link_task
from graphmed.tasks.patient_folds import PatientFold, patient_folds

__all__ = ["DiagnosisPredictions", "DiagnosisTask", "EDGE_TYPES", "FEATURES", "LinkTask",
           "PatientFold", "build_diagnosis_task", "build_link_task", "hide_diagnoses",
           "patient_folds", "predict_diagnoses", "prediction_table", "prediction_task",
           "query_unit_indices", "undiagnosed_units", "unit_labels"]
