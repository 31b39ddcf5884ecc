"""A small example file per importable format, offered as a template to download: the header
the importer expects and a few made-up rows, so a clinic can check a file before uploading it
or fill one in by hand. Apple Health has none: its export.xml only ever comes from the phone."""

from __future__ import annotations

from sessions.measurements.device_import import fitbit, generic, hrv4training, polar

_GENERIC = (
    "client,kind,value,unit,measured_at,device,recording_length_s,sample_type,"
    "minutes_after_waking,site\n"
    "C-1042,heart_rate,64,bpm,2026-01-12T07:05:00+00:00,Polar H10,300,,,\n"
    "C-1042,hrv_rmssd,38.5,ms,2026-01-12T07:05:00+00:00,Elite HRV,300,,,\n"
    "C-1042,blood_pressure,124/82,mmHg,2026-01-12T07:10:00+00:00,,,,,\n"
    "C-1042,cortisol,12.4,nmol/L,2026-01-12T07:30:00+00:00,,,saliva,30,\n"
    "C-1042,skin_conductance,6.2,µS,2026-01-12T18:00:00+00:00,,,,,palm\n"
)

_HRV4TRAINING = (
    "date, timestamp_measurement, HR, AVNN, SDNN, rMSSD, pNN50, LF, HF\n"
    "2026-01-12, 2026-01-12 06:52:10 +0000, 58, 1034.5, 61.2, 48.3, 28.1, 1021.4, 843.7\n"
    "2026-01-13, 2026-01-13 07:03:44 +0000, 61, 983.6, 55.0, 42.7, 22.4, 998.0, 702.1\n"
)

_FITBIT = (
    "timestamp,rmssd,nremhr,entropy\n"
    "2026-01-12T00:00:00,34.512,55.331,2.914\n"
    "2026-01-13T00:00:00,29.87,57.102,2.806\n"
)


def _polar() -> str:
    # The logger writes one heart-rate sample a second; two minutes of a calm recording.
    lines = ["Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];"]
    for second in range(120):
        minute, sec = divmod(second, 60)
        rate = 62 + (second % 7) - 3
        lines.append(f"2026-01-12T20:{15 + minute:02d}:{sec:02d}.512;{rate};{60000 // rate};;")
    return "\n".join(lines) + "\n"


EXAMPLES: dict[str, tuple[str, str]] = {
    # format code: (file name, contents)
    generic.FORMAT: ("attune-readings-template.csv", _GENERIC),
    hrv4training.FORMAT: ("hrv4training-template.csv", _HRV4TRAINING),
    fitbit.FORMAT: ("Daily Heart Rate Variability Summary - 2026-01-12.csv", _FITBIT),
    polar.FORMAT: ("Polar_H10_template_HR.txt", _polar()),
}
