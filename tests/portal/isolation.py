NOT_LISTS = {
    "metrics": "Prometheus text for operators: labelled by connector kind, never by tenant",
}
