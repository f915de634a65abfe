"""Issue 12, the directory: district, photo (checked, resized, re-encoded), a first sentence in
the therapist's own words, pronouns, gender and how fees are paid, with their filters."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from attune.directory.admin import DirectoryEntryForm
from attune.directory.demo import DEMO_ENTRIES, load_demo_directory
from attune.directory.models import DirectoryEntry
from attune.directory.photos import MAX_BYTES, MAX_SIDE, clean_photo
from tests.conftest import make_therapist
from tests.test_directory import profile_of

pytestmark = pytest.mark.django_db

DIRECTORY = "/directory/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg_with_exif(size=(2400, 1600)) -> bytes:
    """A photo as a phone takes it: EXIF with the camera, the owner and a GPS position."""
    image = Image.new("RGB", size, (180, 120, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x013B] = "Miriam Adler"  # Artist
    exif[0x8825] = {1: "N", 2: (52.0, 30.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png(size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def upload(data: bytes, name="IMG_2024_miriam-home.jpg", kind="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=kind)


@pytest.fixture
def adler(practice):
    user = make_therapist(practice, "miriam.adler@example.org")
    return profile_of(
        user,
        gender="woman",
        languages=["en", "de"],
        formats=["in_person"],
        fee_min=100,
        fee_max=140,
        modalities=["emdr"],
        problem_areas=["trauma"],
    )


@pytest.fixture
def sam(practice):
    user = make_therapist(practice, "sam.whitfield@example.org")
    return profile_of(
        user,
        gender="Non-binary",
        languages=["en"],
        formats=["online"],
        fee_min=80,
        fee_max=100,
        accepting_new_clients=False,
        modalities=["act"],
        problem_areas=["anxiety"],
    )


def form_for(profile, photo=None, **fields):
    data = {
        "profile": profile.pk,
        "district": "Kreuzberg, Berlin",
        "statement": "I listen first.",
        "pronouns": "she/her",
        "fee_routes": ["private", "reimbursement"],
        **fields,
    }
    return DirectoryEntryForm(data=data, files={"photo": photo} if photo else {})


# ------------------------------------------------------------------------------ the photo


def test_a_photo_is_resized_re_encoded_and_stripped_of_its_metadata(adler, _media):
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()[0x010F] == "PhoneMaker"
    form = form_for(adler, upload(original))
    assert form.is_valid(), form.errors
    entry = form.save()
    # A random name under MEDIA_ROOT: nothing of the uploaded file's name is kept.
    assert entry.photo.name.startswith("therapists/") and entry.photo.name.endswith(".jpg")
    assert "miriam" not in entry.photo.name.lower() and "IMG" not in entry.photo.name
    path = _media / entry.photo.name
    assert path.exists()
    stored = path.read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == MAX_SIDE and image.size == (640, 427)
        assert len(image.getexif()) == 0
        assert "exif" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info
    for secret in (b"PhoneMaker", b"Miriam Adler", b"taken at home", b"Exif"):
        assert secret not in stored


def test_a_small_png_is_kept_at_its_size_as_a_jpeg(adler, _media):
    form = form_for(adler, upload(png((300, 200)), name="me.png", kind="image/png"))
    assert form.is_valid(), form.errors
    entry = form.save()
    with Image.open(_media / entry.photo.name) as image:
        assert image.format == "JPEG" and image.size == (300, 200)


def test_a_file_that_is_not_an_image_is_refused(adler, _media):
    form = form_for(adler, upload(b"%PDF-1.4 not a photo at all", name="cv.jpg"))
    assert not form.is_valid()
    assert "photo" in form.errors
    assert not DirectoryEntry.objects.exists()
    assert not (_media / "therapists").exists()


def test_a_disguised_script_is_refused():
    html = b"<html><script>alert(1)</script></html>"
    with pytest.raises(ValidationError, match="not a photo we can read"):
        clean_photo(io.BytesIO(html), len(html))


def test_an_image_with_too_many_pixels_is_refused(adler, _media):
    # 9000 × 6000 = 54 megapixels in a few hundred kilobytes: refused before decoding.
    huge = png((9000, 6000))
    assert len(huge) < MAX_BYTES
    form = form_for(adler, upload(huge, name="huge.png", kind="image/png"))
    assert not form.is_valid()
    assert "too many pixels" in str(form.errors["photo"])


def test_a_file_above_the_size_limit_is_refused():
    data = b"\xff\xd8\xff" + b"0" * (MAX_BYTES + 10)
    with pytest.raises(ValidationError, match="too large"):
        clean_photo(io.BytesIO(data), len(data))
    with pytest.raises(ValidationError, match="too large"):
        clean_photo(io.BytesIO(data), None)  # the size unknown: read no further than the limit


def test_a_gif_is_refused():
    out = io.BytesIO()
    Image.new("P", (40, 40)).save(out, format="GIF")
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        clean_photo(out, out.tell())


def test_the_photo_is_served_by_id_for_published_therapists_only(client, adler, _media):
    entry = form_for(adler, upload(jpeg_with_exif())).save()
    url = f"/directory/{adler.pk}/photo/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == (_media / entry.photo.name).read_bytes()
    page = client.get(DIRECTORY).content.decode()
    assert f'src="{url}?v={entry.photo_version}"' in page
    assert client.post(url).status_code == 405
    adler.published = False
    adler.save()
    assert client.get(url).status_code == 404


def test_no_photo_is_a_404(client, adler, sam):
    DirectoryEntry.objects.create(profile=sam, district="Wedding")
    assert client.get(f"/directory/{adler.pk}/photo/").status_code == 404  # no entry
    assert client.get(f"/directory/{sam.pk}/photo/").status_code == 404  # entry, no photo
    assert client.get("/directory/999999/photo/").status_code == 404


def test_the_admin_edits_the_new_fields_and_replacing_a_photo_deletes_the_old(
    client, practice_admin, adler, _media
):
    practice_admin.is_superuser = True
    practice_admin.save()
    client.force_login(practice_admin)
    assert client.get("/admin/directory/directoryentry/add/").status_code == 200
    data = {
        "profile": adler.pk,
        "district": "Kreuzberg, Berlin",
        "statement": "I listen first.",
        "pronouns": "she/her",
        "fee_routes": ["statutory"],
    }
    response = client.post(
        "/admin/directory/directoryentry/add/", {**data, "photo": upload(jpeg_with_exif())}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = DirectoryEntry.objects.get()
    first = entry.photo.name
    assert entry.fee_routes == ["statutory"] and (_media / first).exists()
    change = f"/admin/directory/directoryentry/{entry.pk}/change/"
    assert client.get(change).status_code == 200
    bad = client.post(change, {**data, "photo": upload(b"not an image")})
    assert bad.status_code == 200 and "Upload a valid image" in bad.content.decode()
    response = client.post(change, {**data, "photo": upload(png((800, 800)), "b.png")})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.photo.name != first
    assert (_media / entry.photo.name).exists() and not (_media / first).exists()


# ------------------------------------------------------------------------------ the cards


def test_cards_show_district_words_pronouns_gender_and_fee_routes(client, adler, sam):
    form_for(adler).save()
    html = client.get(DIRECTORY).content.decode()
    for text in (
        "Kreuzberg, Berlin",
        "“I listen first.”",
        "(she/her)",
        "Private (self-pay), Private with reimbursement",
        "<dd>Woman</dd>",
        "<dd>Non-binary</dd>",
    ):
        assert text in html, text
    profile = client.get(f"/directory/{adler.pk}/").content.decode()
    assert "Pronouns: she/her" in profile and "I listen first." in profile
    assert "How fees are paid" in profile


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gender=woman", ["Miriam Adler"]),
        ("gender=non-binary", ["Sam Whitfield"]),
        ("fees_paid=statutory", ["Sam Whitfield"]),
        ("fees_paid=reimbursement", ["Miriam Adler"]),
        ("district=Kreuzberg%2C+Berlin", ["Miriam Adler"]),
        ("gender=robot", ["Miriam Adler", "Sam Whitfield"]),  # unknown: ignored with a note
    ],
)
def test_gender_fee_route_and_district_filters(client, adler, sam, query, expected):
    for user, name in ((adler.user, ("Miriam", "Adler")), (sam.user, ("Sam", "Whitfield"))):
        user.first_name, user.last_name = name
        user.save()
    form_for(adler).save()
    DirectoryEntry.objects.create(profile=sam, district="Wedding", fee_routes=["statutory"])
    response = client.get(f"{DIRECTORY}?{query}")
    assert response.status_code == 200
    assert sorted(card["name"] for card in response.context["cards"]) == expected
    if "robot" in query:
        assert "We ignored the gender filter" in response.content.decode()


def test_the_filters_are_in_a_drawer_without_script(client, adler):
    html = client.get(DIRECTORY).content.decode()
    drawer = html.index('<details class="dir-drawer"')
    assert drawer < html.index('<form method="get"') < html.index("</details>")
    assert "Filter therapists</span></summary>" in html.replace(" (filters on)", "")


def test_query_count_of_the_directory_with_entries_does_not_grow(client, practice):
    def add(i: int) -> None:
        user = make_therapist(practice, f"t{i}.many@example.org")
        profile = profile_of(user, gender="woman", languages=["en"], modalities=["cbt"],
                             problem_areas=["anxiety"])  # fmt: skip
        DirectoryEntry.objects.create(
            profile=profile, district=f"District {i}", pronouns="she/her", fee_routes=["private"]
        )

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    url = f"{DIRECTORY}?gender=woman&fees_paid=private"
    add(0)
    one, one_filtered = count(DIRECTORY), count(url)
    for i in range(1, 20):
        add(i)
    assert count(DIRECTORY) == one <= 8
    assert count(url) == one_filtered <= 8


def test_the_demo_entries(practice):
    for i, (first, last) in enumerate(list(DEMO_ENTRIES)[:3]):
        user = make_therapist(practice, f"demo{i}@example.org")
        user.first_name, user.last_name = first, last
        user.save()
    assert load_demo_directory() == 3
    assert load_demo_directory() == 3  # idempotent
    assert DirectoryEntry.objects.count() == 3
    routes = {r for e in DirectoryEntry.objects.all() for r in e.fee_routes}
    assert routes <= {"private", "statutory", "reimbursement"}
    assert all(e.district and e.statement and e.pronouns for e in DirectoryEntry.objects.all())


# ------------------------------------------------------------------------- her own entry


def test_a_therapist_edits_her_own_entry_with_a_photo(
    client, adler, _media, django_capture_on_commit_callbacks
):
    client.force_login(adler.user)
    page = client.get(f"/directory/{adler.pk}/").content.decode()
    assert 'data-testid="edit-my-entry"' in page
    assert client.get("/directory/my-entry/").status_code == 200
    data = {
        "statement": "  I listen first.  ",
        "district": "Neukölln, Berlin",
        "pronouns": "she/they",
        "gender": "Woman",
        "fee_routes": ["statutory", "private"],
    }
    response = client.post("/directory/my-entry/", {**data, "photo": upload(jpeg_with_exif())})
    assert response.status_code == 302
    entry = DirectoryEntry.objects.get(profile=adler)
    assert entry.statement == "I listen first." and entry.pronouns == "she/they"
    assert entry.fee_routes == ["private", "statutory"]
    first = entry.photo.name
    with Image.open(_media / first) as image:
        assert max(image.size) == MAX_SIDE and len(image.getexif()) == 0
    # A file that is not an image: a clear 400, nothing changed.
    bad = client.post("/directory/my-entry/", {**data, "photo": upload(b"MZ\x90\x00 exe")})
    assert bad.status_code == 400
    assert "not a photo we can read" in bad.content.decode()
    entry.refresh_from_db()
    assert entry.photo.name == first
    # Removing the photo deletes the file.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/directory/my-entry/", {**data, "remove_photo": "on"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert not entry.photo and not (_media / first).exists()


def test_only_a_therapist_edits_an_entry(client, practice_admin, client_user, adler):
    assert client.get("/directory/my-entry/").status_code == 302  # sign in first
    for user in (practice_admin, client_user):
        client.force_login(user)
        assert client.get("/directory/my-entry/").status_code == 403
        assert client.post("/directory/my-entry/", {"district": "x"}).status_code == 403
    assert not DirectoryEntry.objects.exists()
