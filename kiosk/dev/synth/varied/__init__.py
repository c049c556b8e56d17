"""A second, independent generator of SPECIMEN credential photos: the cards a kiosk will meet, not one design.

The first generator (``kiosk.dev.synth.card`` + ``scene``) is the one the fraud cues were tuned on; measuring the
cues on it only says they fit it. This package shares none of its drawing code: its own layouts per model family
(E/F/G/H fronts and backs), several typefaces for the printed fields, tinted paper from near-white through beige,
pink and lilac, coloured and grey guilloché at several line spacings, rounded corners, worn laminate; a camera
model in linear light (illuminant 2,700-6,500 K, auto white balance with its errors, the metadata a camera
reports), dark and bright desks; and the attacks (photocopies, prints, screen replays, a photo of a photo, mixed
pairs).

- ``cells``: the axes of the benchmark table (design × tint × cast × attack) and the seed discipline;
- ``typefaces``: the Debian fonts the printed fields use;
- ``guilloche``, ``design``: the card art (front and back) with its label;
- ``camera``: light, white balance, placement on a desk, laminate highlight, blur, noise, JPEG, metadata;
- ``attacks``: what a copy, print or screen does to the card before the camera sees it;
- ``cases``: one labelled case (front and back scenes of a cell) from (seed, index, cell).

Every citizen is synthetic (``kiosk.credential.citizen.generate_citizen``) and every card says MUESTRA.
"""
